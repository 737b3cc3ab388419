namespace Floodgate.Algorithms;

/// <summary>
/// A bucket of <see cref="RateLimit.Capacity"/> tokens refilled continuously at <c>count / window</c> tokens per
/// microsecond (fractional tokens kept). A request takes <c>cost</c> tokens or waits for them.
/// The state records tokens <em>spent</em>, so the zero state is a full bucket, and records them multiplied by the
/// window in microseconds: a refill of <c>elapsed × count / window</c> tokens is then the whole number
/// <c>elapsed × count</c>, and every quantity is a whole number held exactly in a double below 2^53 (any bucket up
/// to a day and 100,000 tokens), in C# and in Lua alike. Fractions of a token never drift: three thirds make one.
/// </summary>
internal static class TokenBucket
{
    public static RateLimitDecision Decide(ref AlgorithmState state, RateLimit limit, long now, long cost, bool consume, out long expiresAt)
    {
        // A request stamped before the last admission is decided as of it: moving the refill clock back would credit
        // the same refill twice.
        now = Math.Max(now, state.Stamp);
        var window = (double)limit.WindowMicroseconds;
        var count = limit.Count;
        var capacity = limit.Capacity;
        var full = capacity * window;
        var spent = Math.Max(state.Spent - ((double)(now - state.Stamp) * count), 0.0);
        var needed = cost * window;

        if (cost > capacity)
        {
            expiresAt = now + UntilFull(spent, count);
            return RateLimitDecision.TooCostly(limit, WholeTokens(full - spent, window), UntilFull(spent, count));
        }

        if (spent + needed > full)
        {
            expiresAt = now + UntilFull(spent, count);
            // The tokens are there after ⌈(spent + needed − full) / count⌉ µs; one microsecond more, as every algorithm
            // that computes in doubles advertises, so that rounding can never deny at the advertised time.
            var wait = (long)Math.Ceiling((spent + needed - full) / count) + 1;
            return RateLimitDecision.Deny(limit, WholeTokens(full - spent, window), UntilFull(spent, count), wait);
        }

        var spentAfter = spent + needed;
        if (consume && cost > 0)
        {
            state.Stamp = now;
            state.Spent = spentAfter;
        }

        // Remaining is what is left after this request; reset-after is the state's own: nothing was taken unless consumed.
        var resetAfter = UntilFull(consume ? spentAfter : spent, count);
        expiresAt = now + resetAfter;
        return RateLimitDecision.Allow(limit, WholeTokens(full - spentAfter, window), resetAfter);
    }

    private static long WholeTokens(double tokensTimesWindow, double window) => (long)Math.Floor(tokensTimesWindow / window);

    private static long UntilFull(double spent, long count) => spent <= 0 ? 0 : (long)Math.Ceiling(spent / count);
}
