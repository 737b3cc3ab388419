using Floodgate.Storage;
using Floodgate.Storage.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Tests.Storage;

/// <summary>
/// A store written as a third party writes one (the README's example): derived from <see cref="RateLimitStore"/>,
/// overriding only the core methods, it gets the argument checks and passes the shipped contract.
/// </summary>
public sealed class DerivedStoreContractTests : RateLimitStoreContract
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.TokenBucket;

    protected override IRateLimitStore CreateStore(FakeTimeProvider time) => new WrappingStore(time);

    private sealed class WrappingStore(TimeProvider time) : RateLimitStore
    {
        private readonly InMemoryRateLimitStore _state = new(timeProvider: time);

        protected override ValueTask<RateLimitDecision> AcquireCoreAsync(string key, RateLimit limit, long cost, CancellationToken cancellationToken) =>
            _state.AcquireAsync(key, limit, cost, cancellationToken);

        protected override ValueTask<RateLimitDecision> AcquireAllCoreAsync(ReadOnlyMemory<RateLimitRequest> requests, Memory<RateLimitDecision> decisions, CancellationToken cancellationToken) =>
            _state.AcquireAllAsync(requests, decisions, cancellationToken);

        protected override ValueTask<RateLimitDecision> PeekCoreAsync(string key, RateLimit limit, CancellationToken cancellationToken) =>
            _state.PeekAsync(key, limit, cancellationToken);

        protected override ValueTask ResetCoreAsync(string key, RateLimit limit, CancellationToken cancellationToken) =>
            _state.ResetAsync(key, limit, cancellationToken);
    }
}
