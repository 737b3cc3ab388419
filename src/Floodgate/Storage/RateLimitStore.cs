namespace Floodgate.Storage;

/// <summary>
/// The base of every store: the public methods check their arguments once, for every store alike, and call the
/// <c>…CoreAsync</c> method the store implements, which may then trust them — as
/// <c>System.Threading.RateLimiting.RateLimiter.AcquireAsync</c> checks and calls <c>AcquireAsyncCore</c>.
/// A store of one's own derives from it and runs the contract tests of the <c>Floodgate.Storage.Testing</c> package.
/// </summary>
public abstract class RateLimitStore : IRateLimitStore
{
    /// <summary>The most limits one <see cref="AcquireAllAsync"/> decides.</summary>
    public const int MaxBatchSize = 32;

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="limit"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cost"/> is negative.</exception>
    public ValueTask<RateLimitDecision> AcquireAsync(string key, RateLimit limit, long cost = 1, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalid(key, limit, cost);
        return AcquireCoreAsync(key, limit, cost, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="requests"/> is empty or holds more than
    /// <see cref="MaxBatchSize"/>, a cost is negative, or <paramref name="decisions"/> is shorter than <paramref name="requests"/>.</exception>
    /// <exception cref="ArgumentNullException">A request has no key or no limit.</exception>
    public ValueTask<RateLimitDecision> AcquireAllAsync(ReadOnlyMemory<RateLimitRequest> requests, Memory<RateLimitDecision> decisions, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalid(requests.Span, decisions.Length);
        return AcquireAllCoreAsync(requests, decisions[..requests.Length], cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="limit"/> is null.</exception>
    public ValueTask<RateLimitDecision> PeekAsync(string key, RateLimit limit, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalid(key, limit);
        return PeekCoreAsync(key, limit, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="limit"/> is null.</exception>
    public ValueTask ResetAsync(string key, RateLimit limit, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalid(key, limit);
        return ResetCoreAsync(key, limit, cancellationToken);
    }

    /// <summary><see cref="AcquireAsync"/> with checked arguments: a key, a limit, a cost of 0 or more.</summary>
    protected abstract ValueTask<RateLimitDecision> AcquireCoreAsync(string key, RateLimit limit, long cost, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="AcquireAllAsync"/> with checked arguments: 1 to <see cref="MaxBatchSize"/> requests, each with a key,
    /// a limit and a cost of 0 or more; <paramref name="decisions"/> exactly as long as <paramref name="requests"/>.
    /// </summary>
    protected abstract ValueTask<RateLimitDecision> AcquireAllCoreAsync(ReadOnlyMemory<RateLimitRequest> requests, Memory<RateLimitDecision> decisions, CancellationToken cancellationToken);

    /// <summary><see cref="PeekAsync"/> with checked arguments.</summary>
    protected abstract ValueTask<RateLimitDecision> PeekCoreAsync(string key, RateLimit limit, CancellationToken cancellationToken);

    /// <summary><see cref="ResetAsync"/> with checked arguments.</summary>
    protected abstract ValueTask ResetCoreAsync(string key, RateLimit limit, CancellationToken cancellationToken);

    /// <summary>The checks of <see cref="AcquireAsync"/>, for a store's synchronous forms.</summary>
    private protected static void ThrowIfInvalid(string key, RateLimit limit, long cost)
    {
        ThrowIfInvalid(key, limit);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
    }

    /// <summary>The checks of <see cref="PeekAsync"/> and <see cref="ResetAsync"/>.</summary>
    private protected static void ThrowIfInvalid(string key, RateLimit limit)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(limit);
    }

    /// <summary>The checks of <see cref="AcquireAllAsync"/>.</summary>
    private protected static void ThrowIfInvalid(ReadOnlySpan<RateLimitRequest> requests, int decisions)
    {
        ArgumentOutOfRangeException.ThrowIfZero(requests.Length, nameof(requests));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(requests.Length, MaxBatchSize, nameof(requests));
        ArgumentOutOfRangeException.ThrowIfLessThan(decisions, requests.Length, nameof(decisions));
        foreach (var request in requests)
        {
            ArgumentNullException.ThrowIfNull(request.Key, nameof(requests));
            ArgumentNullException.ThrowIfNull(request.Limit, nameof(requests));
            ArgumentOutOfRangeException.ThrowIfNegative(request.Cost, nameof(requests));
        }
    }
}
