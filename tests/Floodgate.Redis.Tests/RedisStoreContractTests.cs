using Floodgate.Storage;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Redis.Tests;

/// <summary>The Redis store meets the same contract as the memory store, for every algorithm.</summary>
public abstract class RedisStoreContract(RedisFixture redis) : RateLimitStoreContract
{
    protected override IRateLimitStore CreateStore(FakeTimeProvider time) =>
        new RedisRateLimitStore(redis.Require(), new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, Timeout = TimeSpan.FromSeconds(5) }, time);
}

public sealed class RedisSlidingWindowCounterContract(RedisFixture redis) : RedisStoreContract(redis)
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.SlidingWindowCounter;
}

public sealed class RedisSlidingWindowLogContract(RedisFixture redis) : RedisStoreContract(redis)
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.SlidingWindowLog;
}

public sealed class RedisTokenBucketContract(RedisFixture redis) : RedisStoreContract(redis)
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.TokenBucket;
}

public sealed class RedisFixedWindowContract(RedisFixture redis) : RedisStoreContract(redis)
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.FixedWindow;
}

public sealed class RedisGcraContract(RedisFixture redis) : RedisStoreContract(redis)
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.Gcra;
}
