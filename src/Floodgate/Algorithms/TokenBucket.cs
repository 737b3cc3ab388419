namespace Floodgate.Algorithms;

/// <summary>
/// A bucket of <see cref="RateLimit.Capacity"/> tokens refilled continuously at <c>count / window</c> tokens per
/// microsecond (fractional tokens kept). A request takes <c>cost</c> tokens or waits for them.
/// The state records tokens <em>spent</em>, so the zero state is a full bucket.
/// </summary>
internal static class TokenBucket
{
    public static RateLimitDecision Decide(ref AlgorithmState state, RateLimit limit, long now, long cost, bool consume, out long expiresAt)
    {
        var capacity = limit.Capacity;
        var rate = limit.TokensPerMicrosecond;
        var elapsed = Math.Max(now - state.Stamp, 0);
        var spent = Math.Max(state.Spent - (elapsed * rate), 0.0);
        var tokens = capacity - spent;

        if (cost > capacity)
        {
            expiresAt = now + UntilFull(spent, rate);
            return RateLimitDecision.TooCostly(limit, (long)Math.Floor(tokens), UntilFull(spent, rate));
        }

        if (tokens < cost)
        {
            expiresAt = now + UntilFull(spent, rate);
            // One microsecond more than the exact point, so rounding can never deny at the advertised time.
            var wait = (long)Math.Ceiling((cost - tokens) / rate) + 1;
            return RateLimitDecision.Deny(limit, (long)Math.Floor(tokens), UntilFull(spent, rate), wait);
        }

        var spentAfter = spent + cost;
        if (consume && cost > 0)
        {
            state.Stamp = now;
            state.Spent = spentAfter;
        }

        expiresAt = now + UntilFull(consume ? spentAfter : spent, rate);
        return RateLimitDecision.Allow(limit, (long)Math.Floor(capacity - spentAfter), UntilFull(spentAfter, rate));
    }

    private static long UntilFull(double spent, double rate) => spent <= 0 ? 0 : (long)Math.Ceiling(spent / rate);
}
