using Floodgate.Storage;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Tests.Storage;

public abstract class InMemoryStoreContract : RateLimitStoreContract
{
    protected override IRateLimitStore CreateStore(FakeTimeProvider time) => new InMemoryRateLimitStore(timeProvider: time);
}

public sealed class InMemorySlidingWindowCounterContract : InMemoryStoreContract
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.SlidingWindowCounter;
}

public sealed class InMemorySlidingWindowLogContract : InMemoryStoreContract
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.SlidingWindowLog;
}

public sealed class InMemoryTokenBucketContract : InMemoryStoreContract
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.TokenBucket;
}

public sealed class InMemoryFixedWindowContract : InMemoryStoreContract
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.FixedWindow;
}

public sealed class InMemoryGcraContract : InMemoryStoreContract
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.Gcra;
}
