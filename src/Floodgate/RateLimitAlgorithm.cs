namespace Floodgate;

/// <summary>The algorithm that decides whether a request fits a <see cref="RateLimit"/>.</summary>
public enum RateLimitAlgorithm
{
    /// <summary>Two counters (this window and the previous one) weighted by how far the current window has run. The default: constant memory, close to exact.</summary>
    SlidingWindowCounter = 0,

    /// <summary>One timestamp per admitted unit; exact over any sliding window. Memory grows with the limit: use it for strict, low limits such as logins.</summary>
    SlidingWindowLog = 1,

    /// <summary>A bucket of <c>burst</c> tokens refilled continuously at <c>count / window</c>; tolerates bursts up to the bucket size.</summary>
    TokenBucket = 2,

    /// <summary>One counter per window aligned to the Unix epoch; cheapest, but admits up to twice the limit across a window boundary.</summary>
    FixedWindow = 3,

    /// <summary>Generic cell rate algorithm (a leaky bucket used as a meter): one timestamp of state, smooth pacing with a burst tolerance.</summary>
    Gcra = 4,
}
