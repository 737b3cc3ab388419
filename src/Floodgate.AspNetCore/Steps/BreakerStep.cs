using Floodgate.AspNetCore.Identification;
using Floodgate.Layers;

namespace Floodgate.AspNetCore.Steps;

/// <summary>
/// Counts every limited request on the global circuit breaker and, while it is open, sheds traffic: every request in
/// <see cref="DefenseMode.Lockdown"/>, unknown clients (not authenticated, no API key with a tier) in
/// <see cref="DefenseMode.Adaptive"/>.
/// </summary>
internal sealed class BreakerStep(FloodgateRuntime runtime)
{
    public StepOutcome Check(FloodgateSettings settings, ClientIdentity client, string? tier)
    {
        if (runtime.Breaker is not { } breaker || breaker.Record() != CircuitState.Open || settings.DefenseMode == DefenseMode.Disabled)
        {
            return StepOutcome.Continue;
        }

        var known = client.IsAuthenticated || (client.ApiKeyHash is not null && tier is not null);
        if (settings.DefenseMode != DefenseMode.Lockdown && known)
        {
            return StepOutcome.Continue;
        }

        var coolDown = settings.Options.Global.CircuitBreaker.CoolDown;
        return StepOutcome.Reject(new RateLimitDecision(false, 0, 0, coolDown, coolDown, RateLimitDenialReason.CircuitOpen, null, RateLimitLayer.Global));
    }
}
