namespace Floodgate.AspNetCore.Steps;

/// <summary>The one outcome of a step, and the decision behind it (the allowed decision of the layers, or the denial).</summary>
internal readonly record struct StepOutcome(RequestOutcome Kind, RateLimitDecision Decision)
{
    /// <summary>Nothing to say: the next step decides.</summary>
    public static StepOutcome Continue => default;

    public bool IsContinue => Kind == RequestOutcome.Continue;

    public static StepOutcome Allow(in RateLimitDecision decision) => new(RequestOutcome.Continue, decision);

    public static StepOutcome Reject(in RateLimitDecision decision) => new(RequestOutcome.Reject, decision);
}
