using Floodgate.AspNetCore.Policies;
using Floodgate.Storage;

namespace Floodgate.AspNetCore.Steps;

/// <summary>
/// On a rule with slow-down, turns a retryable denial of the client's own limits into a delay of Step × this request's
/// excess in the current window, at most MaxDelay, instead of a rejection.
/// </summary>
internal sealed class SlowDownStep(IRateLimitStore store)
{
    /// <summary>What the excess counters' keys start with.</summary>
    public const string KeyPrefix = "slow|";

    /// <summary>The delay for <paramref name="denial"/>, or null when the denial stands.</summary>
    public async ValueTask<TimeSpan?> DelayAsync(RateLimitPolicy policy, RateLimit[] limits, RateLimitDecision denial, string clientKey, CancellationToken cancellationToken)
    {
        if (policy.SlowDown is not { } slowDown || denial.Layer != RateLimitLayer.Client || !denial.CanRetry)
        {
            return null;
        }

        var counter = new RateLimit(RateLimit.MaxCount, limits[0].Window, RateLimitAlgorithm.FixedWindow);
        var excess = await store.AcquireAsync(KeyPrefix + clientKey, counter, 1, cancellationToken).ConfigureAwait(false);
        var over = RateLimit.MaxCount - excess.Remaining;
        return TimeSpan.FromTicks(Math.Min(slowDown.Step.Ticks * over, slowDown.MaxDelay.Ticks));
    }
}
