namespace Floodgate;

/// <summary>Combines the decisions of several limits that must all pass.</summary>
public static class RateLimitDecisions
{
    /// <summary>
    /// The decision that speaks for the batch: when any limit denied, the denial with the longest wait (a request
    /// that can never fit wins); when all admitted, the one closest to running out (fewest remaining, then the
    /// longest reset).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="decisions"/> is empty.</exception>
    public static RateLimitDecision Decisive(ReadOnlySpan<RateLimitDecision> decisions)
    {
        if (decisions.IsEmpty)
        {
            throw new ArgumentException("At least one decision is needed.", nameof(decisions));
        }

        var best = 0;
        for (var i = 1; i < decisions.Length; i++)
        {
            if (Outranks(decisions[i], decisions[best]))
            {
                best = i;
            }
        }

        return decisions[best];
    }

    private static bool Outranks(in RateLimitDecision candidate, in RateLimitDecision current)
    {
        if (candidate.IsAllowed != current.IsAllowed)
        {
            return !candidate.IsAllowed;
        }

        if (!candidate.IsAllowed)
        {
            return Wait(candidate) > Wait(current);
        }

        return candidate.Remaining < current.Remaining ||
            (candidate.Remaining == current.Remaining && candidate.ResetAfter > current.ResetAfter);
    }

    private static TimeSpan Wait(in RateLimitDecision decision) =>
        decision.RetryAfter == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : decision.RetryAfter;
}
