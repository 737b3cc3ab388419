using Floodgate.AspNetCore.Identification;
using Floodgate.Penalties;

namespace Floodgate.AspNetCore.Steps;

/// <summary>
/// Turns banned clients away before anything is counted. A client that is not verified answers for its address too: a
/// banned address stays banned whatever key or client id it sends next.
/// </summary>
internal sealed class BanStep(IPenaltyBox penalties, TimeProvider timeProvider)
{
    public ValueTask<StepOutcome> CheckAsync(ClientIdentity client, CancellationToken cancellationToken)
    {
        var ban = penalties.GetBanAsync(client.Id, cancellationToken);
        if (!ban.IsCompletedSuccessfully)
        {
            return CheckSlowAsync(ban, client, cancellationToken);
        }

        if (ban.Result is { } found)
        {
            return new(Banned(found));
        }

        return client.PenaltyKey == client.Id ? new(StepOutcome.Continue) : CheckAddressAsync(client, cancellationToken);
    }

    private async ValueTask<StepOutcome> CheckSlowAsync(ValueTask<BanRecord?> ban, ClientIdentity client, CancellationToken cancellationToken) =>
        await ban.ConfigureAwait(false) is { } found ? Banned(found)
        : client.PenaltyKey == client.Id ? StepOutcome.Continue
        : await CheckAddressAsync(client, cancellationToken).ConfigureAwait(false);

    private async ValueTask<StepOutcome> CheckAddressAsync(ClientIdentity client, CancellationToken cancellationToken) =>
        await penalties.GetBanAsync(client.PenaltyKey, cancellationToken).ConfigureAwait(false) is { } found ? Banned(found) : StepOutcome.Continue;

    private StepOutcome Banned(BanRecord ban)
    {
        var left = ban.Remaining(timeProvider.GetUtcNow());
        return StepOutcome.Reject(new RateLimitDecision(false, 0, 0, left, left, RateLimitDenialReason.Banned, null, RateLimitLayer.Client));
    }
}
