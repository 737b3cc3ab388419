namespace Floodgate.Algorithms;

/// <summary>
/// One timestamp per admitted unit, in a ring buffer that grows up to the limit. A unit admitted at <c>t</c>
/// counts while <c>now &lt; t + window</c>. Exact: no sliding window ever holds more than the limit.
/// </summary>
internal static class SlidingWindowLog
{
    private const int InitialCapacity = 8;

    public static RateLimitDecision Decide(ref AlgorithmState state, RateLimit limit, long now, long cost, bool consume, out long expiresAt)
    {
        var window = limit.WindowMicroseconds;
        var log = state.Log;
        var head = state.LogHead;
        var count = state.LogCount;

        // A request stamped before the newest entry (its caller read the clock before another caller's request was
        // decided) is decided as of that entry, so the log stays in time order.
        if (count > 0)
        {
            now = Math.Max(now, log![(head + count - 1) % log.Length]);
        }

        // Drop what has left the window.
        while (count > 0 && log![head] + window <= now)
        {
            head = head + 1 == log.Length ? 0 : head + 1;
            count--;
        }

        state.LogHead = count == 0 ? 0 : head;
        state.LogCount = count;
        head = state.LogHead;

        var newest = count == 0 ? 0 : log![(head + count - 1) % log.Length];
        var resetAfter = count == 0 ? 0 : newest + window - now;
        expiresAt = count == 0 ? now : newest + window;

        if (cost > limit.Count)
        {
            return RateLimitDecision.TooCostly(limit, limit.Count - count, resetAfter);
        }

        if (count + cost > limit.Count)
        {
            // The request fits once the (count + cost − limit) oldest entries have left.
            var mustLeave = count + cost - limit.Count;
            var blocker = log![(head + mustLeave - 1) % log.Length];
            return RateLimitDecision.Deny(limit, limit.Count - count, resetAfter, blocker + window - now);
        }

        if (consume && cost > 0)
        {
            log = EnsureCapacity(ref state, count + cost, limit.Count);
            head = state.LogHead; // growing unrolls the ring to start at 0
            var tail = (head + count) % log.Length;
            for (long i = 0; i < cost; i++)
            {
                log[tail] = now;
                tail = tail + 1 == log.Length ? 0 : tail + 1;
            }

            state.LogCount = (int)(count + cost);
            expiresAt = now + window;
            resetAfter = window;
        }

        return RateLimitDecision.Allow(limit, limit.Count - count - cost, resetAfter);
    }

    private static long[] EnsureCapacity(ref AlgorithmState state, long needed, long max)
    {
        var log = state.Log;
        if (log is not null && log.Length >= needed)
        {
            return log;
        }

        var size = log is null ? InitialCapacity : log.Length;
        while (size < needed)
        {
            size *= 2;
        }

        var grown = new long[Math.Min(size, max)];
        if (log is not null)
        {
            // Unroll the ring so the oldest entry is at 0.
            for (var i = 0; i < state.LogCount; i++)
            {
                grown[i] = log[(state.LogHead + i) % log.Length];
            }
        }

        state.Log = grown;
        state.LogHead = 0;
        return grown;
    }
}
