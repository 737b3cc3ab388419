namespace Floodgate.Storage;

/// <summary>
/// Where rate-limit state lives. Every operation is atomic per key and limit: concurrent callers never admit more
/// than the limit. Implementations: <see cref="InMemoryRateLimitStore"/> (one process) and the Redis store (many).
/// </summary>
public interface IRateLimitStore
{
    /// <summary>Decides a request of <paramref name="cost"/> units for <paramref name="key"/> and consumes it when admitted. A denial consumes nothing.</summary>
    /// <param name="key">Who is limited (a client, an endpoint, "global"...). The same key under different limits keeps separate state.</param>
    /// <param name="limit">The limit to decide against.</param>
    /// <param name="cost">Units the request takes (1 for most requests; 0 decides without consuming).</param>
    /// <param name="cancellationToken">Cancels a pending remote call.</param>
    ValueTask<RateLimitDecision> AcquireAsync(string key, RateLimit limit, long cost = 1, CancellationToken cancellationToken = default);

    /// <summary>
    /// Decides several limits as one: the request is admitted only when every limit admits it, and then every
    /// limit consumes its cost; when any limit denies, none consumes anything. Each (key, limit) may appear once.
    /// </summary>
    /// <param name="requests">The limits to check, e.g. global, endpoint and client layers, or stacked limits.</param>
    /// <param name="decisions">Receives each limit's decision, in the order of <paramref name="requests"/>; at least as long.</param>
    /// <param name="cancellationToken">Cancels a pending remote call.</param>
    /// <returns>The decision that speaks for the batch (<see cref="RateLimitDecisions.Decisive"/>).</returns>
    ValueTask<RateLimitDecision> AcquireAllAsync(ReadOnlyMemory<RateLimitRequest> requests, Memory<RateLimitDecision> decisions, CancellationToken cancellationToken = default);

    /// <summary>The standing of <paramref name="key"/> without consuming: whether one more unit would pass, and how many remain.</summary>
    ValueTask<RateLimitDecision> PeekAsync(string key, RateLimit limit, CancellationToken cancellationToken = default);

    /// <summary>Forgets the state of <paramref name="key"/> under <paramref name="limit"/>: the next request starts afresh.</summary>
    ValueTask ResetAsync(string key, RateLimit limit, CancellationToken cancellationToken = default);
}
