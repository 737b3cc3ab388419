namespace Floodgate.Algorithms;

/// <summary>Dispatches to the algorithm a limit names. Every algorithm is a pure function of (state, limit, now, cost).</summary>
public static class RateLimitAlgorithms
{
    /// <summary>
    /// Decides a request of <paramref name="cost"/> units at <paramref name="now"/> (microseconds since the Unix epoch).
    /// With <paramref name="consume"/> the admitted cost is recorded in <paramref name="state"/>; a denial never records anything.
    /// <paramref name="expiresAt"/> is the time from which the state is equivalent to a fresh one.
    /// </summary>
    public static RateLimitDecision Decide(ref AlgorithmState state, RateLimit limit, long now, long cost, bool consume, out long expiresAt) =>
        limit.Algorithm switch
        {
            RateLimitAlgorithm.SlidingWindowCounter => SlidingWindowCounter.Decide(ref state, limit, now, cost, consume, out expiresAt),
            RateLimitAlgorithm.SlidingWindowLog => SlidingWindowLog.Decide(ref state, limit, now, cost, consume, out expiresAt),
            RateLimitAlgorithm.TokenBucket => TokenBucket.Decide(ref state, limit, now, cost, consume, out expiresAt),
            RateLimitAlgorithm.FixedWindow => FixedWindow.Decide(ref state, limit, now, cost, consume, out expiresAt),
            RateLimitAlgorithm.Gcra => Gcra.Decide(ref state, limit, now, cost, consume, out expiresAt),
            _ => throw new ArgumentOutOfRangeException(nameof(limit), limit.Algorithm, "Unknown algorithm."),
        };

    /// <summary>The standing of a key without consuming: whether one more unit fits, and how many units are left.</summary>
    public static RateLimitDecision Peek(ref AlgorithmState state, RateLimit limit, long now, out long expiresAt)
    {
        var decision = Decide(ref state, limit, now, 1, consume: false, out expiresAt);
        return decision.IsAllowed ? decision with { Remaining = decision.Remaining + 1 } : decision;
    }

    /// <summary>Microseconds since the Unix epoch: the clock every algorithm and script uses.</summary>
    public static long Now(TimeProvider timeProvider) => (timeProvider.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
}
