using Floodgate.Storage;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Redis.Tests;

/// <summary>
/// The Redis store meets the same contract as the memory store, for every algorithm. The decisions must be Redis's own:
/// <c>FailClosed</c>, so that no fallback can answer in its place, and after the decisions Redis holds the state. The
/// contract advances a fake clock, so these stores read it (the application-clock test hook) instead of Redis TIME.
/// </summary>
public abstract class RedisStoreContract(RedisFixture redis) : RateLimitStoreContract
{
    protected override IRateLimitStore CreateStore(FakeTimeProvider time) =>
        new RedisRateLimitStore(redis.Require(), new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(5) }, time);

    protected override void AssertStateKept(IRateLimitStore store, string key, RateLimit limit) =>
        RedisAssert.DecidedByRedis((RedisRateLimitStore)store, redis.Server!, key, limit);
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
