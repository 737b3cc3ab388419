using Floodgate.AspNetCore.Identification;
using Floodgate.Diagnostics;
using Floodgate.Penalties;
using Microsoft.Extensions.Logging;

namespace Floodgate.AspNetCore.Steps;

/// <summary>
/// Turns banned clients away before anything is counted. A client that is not verified answers for its address too: a
/// banned address stays banned whatever key or client id it sends next. A penalty box that fails (its own outage
/// answer aside, a Redis script error) never fails the request: the request goes on, as a failing store lets it.
/// </summary>
internal sealed class BanStep(IPenaltyBox penalties, TimeProvider timeProvider, FloodgateMetrics metrics, ILogger<FloodgateMiddleware> logger)
{
    public ValueTask<StepOutcome> CheckAsync(ClientIdentity client, CancellationToken cancellationToken)
    {
        ValueTask<BanRecord?> ban;
        try
        {
            ban = penalties.GetBanAsync(client.Id, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new(Failed(ex));
        }

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

    private async ValueTask<StepOutcome> CheckSlowAsync(ValueTask<BanRecord?> ban, ClientIdentity client, CancellationToken cancellationToken)
    {
        try
        {
            return await ban.ConfigureAwait(false) is { } found ? Banned(found)
                : client.PenaltyKey == client.Id ? StepOutcome.Continue
                : await CheckAddressAsync(client, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(ex);
        }
    }

    private async ValueTask<StepOutcome> CheckAddressAsync(ClientIdentity client, CancellationToken cancellationToken)
    {
        try
        {
            return await penalties.GetBanAsync(client.PenaltyKey, cancellationToken).ConfigureAwait(false) is { } found ? Banned(found) : StepOutcome.Continue;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(ex);
        }
    }

    private StepOutcome Failed(Exception exception)
    {
        metrics.StoreError(penalties.GetType().Name);
        Log.PenaltyBoxFailed(logger, exception);
        return StepOutcome.Continue;
    }

    private StepOutcome Banned(BanRecord ban)
    {
        var left = ban.Remaining(timeProvider.GetUtcNow());
        return StepOutcome.Reject(new RateLimitDecision(false, 0, 0, left, left, RateLimitDenialReason.Banned, null, RateLimitLayer.Client));
    }
}
