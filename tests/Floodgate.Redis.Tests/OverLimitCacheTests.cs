using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Redis.Tests;

/// <summary>
/// Keys known to be over their limit are denied without a round trip, and only those. Each store fails closed and its
/// first decisions are checked in Redis, so no fallback can stand in for them.
/// </summary>
public sealed class OverLimitCacheTests(RedisFixture redis)
{
    [Fact]
    public async Task KeyOverItsLimit_IsDeniedLocally_UntilItsRetryTime()
    {
        // The retry time is reached by advancing a fake clock: the application-clock test hook.
        var time = new FakeTimeProvider(RateLimitStoreContract.Start);
        using var store = new RedisRateLimitStore(redis.Require(), new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(5) }, time);
        var limit = new RateLimit(2, TimeSpan.FromSeconds(10), RateLimitAlgorithm.SlidingWindowLog);
        await store.AcquireAsync("attacker", limit);
        await store.AcquireAsync("attacker", limit);
        var firstDenial = await store.AcquireAsync("attacker", limit);
        Assert.Equal(RateLimitDenialReason.LimitExceeded, firstDenial.Reason);
        RedisAssert.DecidedByRedis(store, redis.Server!, "attacker", limit);
        var tripsAfterFirstDenial = store.RoundTrips;

        for (var i = 0; i < 100; i++)
        {
            Assert.False((await store.AcquireAsync("attacker", limit)).IsAllowed);
        }

        Assert.Equal(tripsAfterFirstDenial, store.RoundTrips);
        Assert.Equal(100, store.OverLimitCacheHits);

        time.Advance(firstDenial.RetryAfter);
        Assert.True((await store.AcquireAsync("attacker", limit)).IsAllowed);
        Assert.Equal(tripsAfterFirstDenial + 1, store.RoundTrips);
    }

    [Fact]
    public async Task CostlyDenial_IsNotCached_BecauseSmallerRequestsMayFit()
    {
        using var store = new RedisRateLimitStore(redis.Require(), new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(5) });
        var limit = new RateLimit(10, TimeSpan.FromDays(1));

        await store.AcquireAsync("k", limit, 7);
        var tooMuch = await store.AcquireAsync("k", limit, 5);
        var fits = await store.AcquireAsync("k", limit, 3);

        Assert.False(tooMuch.IsAllowed);
        Assert.True(fits.IsAllowed);
        Assert.Equal(0, store.OverLimitCacheHits);
        RedisAssert.DecidedByRedis(store, redis.Server!, "k", limit);
    }

    [Fact]
    public async Task Reset_ForgetsTheCachedDenial()
    {
        using var store = new RedisRateLimitStore(redis.Require(), new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(5) });
        var limit = new RateLimit(1, TimeSpan.FromDays(1));
        await store.AcquireAsync("k", limit);
        Assert.Equal(RateLimitDenialReason.LimitExceeded, (await store.AcquireAsync("k", limit)).Reason);

        await store.ResetAsync("k", limit);

        Assert.True((await store.AcquireAsync("k", limit)).IsAllowed);
        RedisAssert.DecidedByRedis(store, redis.Server!, "k", limit);
    }
}
