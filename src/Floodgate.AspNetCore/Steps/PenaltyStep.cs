using Floodgate.AspNetCore.Identification;
using Floodgate.Diagnostics;
using Floodgate.Penalties;
using Microsoft.Extensions.Logging;

namespace Floodgate.AspNetCore.Steps;

/// <summary>
/// Counts a denial of the client's own limits as a violation, which may earn a ban. Only the client layer counts: an
/// endpoint or global denial is not the client's fault. Violations of a client that is not verified count against its address.
/// </summary>
internal sealed class PenaltyStep(IPenaltyBox penalties, FloodgateMetrics metrics, ILogger<FloodgateMiddleware> logger)
{
    public ValueTask RecordAsync(ClientIdentity client, in RateLimitDecision denial, CancellationToken cancellationToken)
    {
        if (denial.Layer != RateLimitLayer.Client)
        {
            return ValueTask.CompletedTask;
        }

        var violation = penalties.RecordViolationAsync(client.PenaltyKey, cancellationToken);
        if (!violation.IsCompletedSuccessfully)
        {
            return RecordSlowAsync(violation);
        }

        Banned(violation.Result);
        return ValueTask.CompletedTask;
    }

    private async ValueTask RecordSlowAsync(ValueTask<BanRecord?> violation) => Banned(await violation.ConfigureAwait(false));

    private void Banned(BanRecord? ban)
    {
        if (ban is not null)
        {
            metrics.Ban();
            Log.Banned(logger, ban.ClientId, ban.ExpiresAt, ban.Strike, ban.Reason);
        }
    }
}
