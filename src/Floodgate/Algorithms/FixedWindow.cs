namespace Floodgate.Algorithms;

/// <summary>
/// One counter per window aligned to the Unix epoch. Exact within a window; a client can spend the limit at the
/// end of one window and again at the start of the next (twice the limit across the boundary).
/// </summary>
internal static class FixedWindow
{
    public static RateLimitDecision Decide(ref AlgorithmState state, RateLimit limit, long now, long cost, bool consume, out long expiresAt)
    {
        // A request stamped before the recorded window (its caller read the clock before another caller's request
        // was decided) counts in the recorded window: starting its own window would forget the recorded count.
        now = Math.Max(now, state.Stamp);
        var window = limit.WindowMicroseconds;
        var windowStart = now - (now % window);
        var windowEnd = windowStart + window;
        var count = state.Stamp == windowStart ? state.Count : 0;
        var resetAfter = count == 0 ? 0 : windowEnd - now;
        expiresAt = count == 0 ? now : windowEnd;

        if (cost > limit.Count)
        {
            return RateLimitDecision.TooCostly(limit, limit.Count - count, resetAfter);
        }

        if (count + cost > limit.Count)
        {
            return RateLimitDecision.Deny(limit, limit.Count - count, resetAfter, windowEnd - now);
        }

        if (consume && cost > 0)
        {
            state.Stamp = windowStart;
            state.Count = count + cost;
            expiresAt = windowEnd;
            resetAfter = windowEnd - now;
        }

        return RateLimitDecision.Allow(limit, limit.Count - count - cost, resetAfter);
    }
}
