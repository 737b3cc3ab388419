namespace Floodgate.Algorithms;

/// <summary>
/// Two fixed-window counters, the previous window's count weighted by the share of it that still overlaps the
/// sliding window: <c>estimate = previous × (window − elapsed) / window + current</c>. Constant memory, close to
/// exact (it assumes the previous window's requests were spread evenly).
/// </summary>
internal static class SlidingWindowCounter
{
    public static RateLimitDecision Decide(ref AlgorithmState state, RateLimit limit, long now, long cost, bool consume, out long expiresAt)
    {
        // A request stamped before the recorded window is decided in it, never in a window of its own that would forget both counts.
        now = Math.Max(now, state.Stamp);
        var window = limit.WindowMicroseconds;
        var windowStart = now - (now % window);
        long current;
        long previous;
        if (state.Stamp == windowStart)
        {
            current = state.Count;
            previous = state.Previous;
        }
        else if (state.Stamp == windowStart - window)
        {
            current = 0;
            previous = state.Count;
        }
        else
        {
            current = 0;
            previous = 0;
        }

        var elapsed = now - windowStart;
        var estimate = (previous * (double)(window - elapsed) / window) + current;
        var available = (long)Math.Floor(limit.Count - estimate);

        if (cost > limit.Count)
        {
            expiresAt = ExpiresAt(windowStart, window, current, previous, now);
            return RateLimitDecision.TooCostly(limit, Math.Max(available, 0), ResetAfter(windowStart, window, current, previous, now));
        }

        if (estimate + cost > limit.Count)
        {
            expiresAt = ExpiresAt(windowStart, window, current, previous, now);
            return RateLimitDecision.Deny(
                limit,
                Math.Max(available, 0),
                ResetAfter(windowStart, window, current, previous, now),
                RetryAfter(limit.Count, window, windowStart, elapsed, current, previous, cost, now));
        }

        if (consume && cost > 0)
        {
            current += cost;
            state.Stamp = windowStart;
            state.Count = current;
            state.Previous = previous;
        }

        expiresAt = ExpiresAt(windowStart, window, current, previous, now);
        return RateLimitDecision.Allow(limit, (long)Math.Floor(limit.Count - estimate - cost), ResetAfter(windowStart, window, current, previous, now));
    }

    /// <summary>
    /// Time until <c>previous × weight + current + cost ≤ limit</c>: the exact first microsecond, plus one, so that
    /// rounding can never deny at the advertised time. The products are formed before dividing, so the arithmetic
    /// is exact while <c>window × count</c> stays below 2^53 (any limit up to a day and 100,000 units).
    /// </summary>
    private static long RetryAfter(long limit, long window, long windowStart, long elapsed, long current, long previous, long cost, long now)
    {
        var room = limit - cost;
        if (current > room)
        {
            // Only the next window can help: there `current` is the previous count, weighted by (window − e) / window,
            // which is at most `room` from e = window × (current − room) / current.
            var into = CeilingOfProductOver(window, current - room, current) + 1;
            return windowStart + window + into - now;
        }

        // This window suffices: previous × (window − e) / window ≤ room − current from e = window × (previous − room + current) / previous.
        var at = CeilingOfProductOver(window, previous - room + current, previous) + 1;
        return Math.Max(at - elapsed, 1);
    }

    /// <summary>⌈a × b / c⌉ in the double arithmetic the Lua script shares.</summary>
    private static long CeilingOfProductOver(long a, long b, long c) => (long)Math.Ceiling((double)a * b / c);

    private static long ResetAfter(long windowStart, long window, long current, long previous, long now) =>
        current > 0 ? windowStart + (2 * window) - now : previous > 0 ? windowStart + window - now : 0;

    private static long ExpiresAt(long windowStart, long window, long current, long previous, long now) =>
        current > 0 ? windowStart + (2 * window) : previous > 0 ? windowStart + window : now;
}
