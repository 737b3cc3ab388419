using Floodgate.AspNetCore.Identification;
using Floodgate.Diagnostics;
using Floodgate.Penalties;
using Microsoft.Extensions.Logging;

namespace Floodgate.AspNetCore.Steps;

/// <summary>
/// Counts a denial of the client's own limits as a violation, which may earn a ban. Only the client layer counts: an
/// endpoint or global denial is not the client's fault. Violations of a client that is not verified count against its address.
/// A penalty box that fails never fails the request: the violation goes uncounted, logged and counted as a store error.
/// </summary>
internal sealed class PenaltyStep(IPenaltyBox penalties, FloodgateMetrics metrics, ILogger<FloodgateMiddleware> logger)
{
    public ValueTask RecordAsync(ClientIdentity client, in RateLimitDecision denial, CancellationToken cancellationToken)
    {
        if (denial.Layer != RateLimitLayer.Client)
        {
            return ValueTask.CompletedTask;
        }

        ValueTask<BanRecord?> violation;
        try
        {
            violation = penalties.RecordViolationAsync(client.PenaltyKey, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failed(ex);
            return ValueTask.CompletedTask;
        }

        if (!violation.IsCompletedSuccessfully)
        {
            return RecordSlowAsync(violation);
        }

        Banned(violation.Result);
        return ValueTask.CompletedTask;
    }

    private async ValueTask RecordSlowAsync(ValueTask<BanRecord?> violation)
    {
        try
        {
            Banned(await violation.ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failed(ex);
        }
    }

    private void Failed(Exception exception)
    {
        metrics.StoreError(penalties.GetType().Name);
        Log.PenaltyBoxFailed(logger, exception);
    }

    private void Banned(BanRecord? ban)
    {
        if (ban is not null)
        {
            metrics.Ban();
            Log.Banned(logger, ban.ClientId, ban.ExpiresAt, ban.Strike, ban.Reason);
        }
    }
}
