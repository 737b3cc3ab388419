namespace Floodgate;

/// <summary>One limit to check in a batch: the key, the limit, the cost, and the layer it belongs to.</summary>
/// <param name="Key">Who is limited.</param>
/// <param name="Limit">The limit to decide against.</param>
/// <param name="Cost">Units the request takes.</param>
/// <param name="Layer">The layer reported on the decision.</param>
public readonly record struct RateLimitRequest(string Key, RateLimit Limit, long Cost = 1, RateLimitLayer Layer = RateLimitLayer.None);
