namespace Floodgate;

/// <summary>
/// The answer to "may this request pass?": a value, never an exception. A denial says when to retry.
/// </summary>
/// <param name="IsAllowed">Whether the request was admitted (and its cost consumed).</param>
/// <param name="Limit">The units admitted per window (<see cref="RateLimit.Count"/>).</param>
/// <param name="Remaining">Units still available after this decision.</param>
/// <param name="ResetAfter">Time until the full limit is available again.</param>
/// <param name="RetryAfter">Zero when allowed; otherwise the time until this request would fit, or
/// <see cref="Timeout.InfiniteTimeSpan"/> when it never can (<see cref="RateLimitDenialReason.CostExceedsLimit"/>).</param>
/// <param name="Reason">Why the request was denied; <see cref="RateLimitDenialReason.None"/> when allowed.</param>
/// <param name="Rule">The limit that decided.</param>
/// <param name="Layer">The defense layer that decided; <see cref="RateLimitLayer.None"/> straight from a store.</param>
public readonly record struct RateLimitDecision(
    bool IsAllowed,
    long Limit,
    long Remaining,
    TimeSpan ResetAfter,
    TimeSpan RetryAfter,
    RateLimitDenialReason Reason,
    RateLimit? Rule,
    RateLimitLayer Layer = RateLimitLayer.None)
{
    /// <summary>Whether retrying can ever succeed.</summary>
    public bool CanRetry => IsAllowed || RetryAfter != Timeout.InfiniteTimeSpan;

    /// <summary>This decision attributed to <paramref name="layer"/>.</summary>
    public RateLimitDecision WithLayer(RateLimitLayer layer) => this with { Layer = layer };

    /// <summary>An admission under <paramref name="rule"/>: <paramref name="remaining"/> units left, the full limit back after <paramref name="resetAfterMicroseconds"/>.</summary>
    public static RateLimitDecision Allow(RateLimit rule, long remaining, long resetAfterMicroseconds) =>
        new(true, rule.Count, remaining, FromMicroseconds(resetAfterMicroseconds), TimeSpan.Zero, RateLimitDenialReason.None, rule);

    /// <summary>A denial under <paramref name="rule"/> (<see cref="RateLimitDenialReason.LimitExceeded"/>) that fits again after <paramref name="retryAfterMicroseconds"/> (at least one microsecond).</summary>
    public static RateLimitDecision Deny(RateLimit rule, long remaining, long resetAfterMicroseconds, long retryAfterMicroseconds) =>
        new(false, rule.Count, remaining, FromMicroseconds(resetAfterMicroseconds), FromMicroseconds(Math.Max(retryAfterMicroseconds, 1)), RateLimitDenialReason.LimitExceeded, rule);

    /// <summary>A denial of a cost larger than <paramref name="rule"/> can ever admit (<see cref="RateLimitDenialReason.CostExceedsLimit"/>): retrying never helps.</summary>
    public static RateLimitDecision TooCostly(RateLimit rule, long remaining, long resetAfterMicroseconds) =>
        new(false, rule.Count, remaining, FromMicroseconds(resetAfterMicroseconds), Timeout.InfiniteTimeSpan, RateLimitDenialReason.CostExceedsLimit, rule);

    /// <summary>A span of <paramref name="microseconds"/>, zero when not positive.</summary>
    public static TimeSpan FromMicroseconds(long microseconds) => microseconds <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks(microseconds * 10);
}
