namespace Floodgate.Tests.Algorithms.Reference;

/// <summary>What a reference model decides, in microseconds. <see cref="RetryAfter"/> is −1 when retrying can never help.</summary>
internal readonly record struct ModelDecision(bool IsAllowed, long Remaining, long RetryAfter, long ResetAfter)
{
    public const long Never = -1;

    public bool IsTooCostly => RetryAfter == Never;

    public static ModelDecision Allow(long remaining, long resetAfter) => new(true, remaining, 0, Math.Max(resetAfter, 0));

    public static ModelDecision Deny(long remaining, long retryAfter, long resetAfter) => new(false, remaining, Math.Max(retryAfter, 1), Math.Max(resetAfter, 0));

    public static ModelDecision TooCostly(long remaining, long resetAfter) => new(false, remaining, Never, Math.Max(resetAfter, 0));

    /// <summary>The same decision in the model's terms, for comparison.</summary>
    public static ModelDecision Of(RateLimitDecision decision) => new(
        decision.IsAllowed,
        decision.Remaining,
        decision.RetryAfter == Timeout.InfiniteTimeSpan ? Never : decision.RetryAfter.Ticks / 10,
        decision.ResetAfter.Ticks / 10);
}
