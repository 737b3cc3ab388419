namespace Floodgate.Algorithms;

/// <summary>
/// Generic cell rate algorithm: one timestamp, the theoretical arrival time (TAT). Each unit moves the TAT by the
/// emission interval <c>T = window / count</c>; a request is admitted while <c>TAT + cost·T − now ≤ capacity·T</c>.
/// Integer microseconds throughout (T rounded up), so it is exact and identical in Lua.
/// </summary>
internal static class Gcra
{
    public static RateLimitDecision Decide(ref AlgorithmState state, RateLimit limit, long now, long cost, bool consume, out long expiresAt)
    {
        var interval = limit.GcraInterval;
        var tolerance = interval * limit.Capacity;
        var tat = Math.Max(state.Stamp, now);
        var backlog = tat - now;
        var available = (tolerance - backlog) / interval;
        expiresAt = tat;

        if (cost > limit.Capacity)
        {
            return RateLimitDecision.TooCostly(limit, available, backlog);
        }

        var newTat = tat + (cost * interval);
        var allowAt = newTat - tolerance;
        if (allowAt > now)
        {
            return RateLimitDecision.Deny(limit, available, backlog, allowAt - now);
        }

        if (consume && cost > 0)
        {
            state.Stamp = newTat;
            expiresAt = newTat;
        }

        // Remaining is what is left after this request; reset-after is the state's own: nothing was taken unless consumed.
        return RateLimitDecision.Allow(limit, available - cost, (consume ? newTat : tat) - now);
    }
}
