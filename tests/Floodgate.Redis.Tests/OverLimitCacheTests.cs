using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Redis.Tests;

public sealed class OverLimitCacheTests(RedisFixture redis)
{
    [Fact]
    public async Task KeyOverItsLimit_IsDeniedLocally_UntilItsRetryTime()
    {
        var time = new FakeTimeProvider(RateLimitStoreContract.Start);
        using var store = new RedisRateLimitStore(redis.Require(), new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, Timeout = TimeSpan.FromSeconds(5) }, time);
        var limit = new RateLimit(2, TimeSpan.FromSeconds(10), RateLimitAlgorithm.SlidingWindowLog);
        await store.AcquireAsync("attacker", limit);
        await store.AcquireAsync("attacker", limit);
        var firstDenial = await store.AcquireAsync("attacker", limit);
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
        var time = new FakeTimeProvider(RateLimitStoreContract.Start);
        using var store = new RedisRateLimitStore(redis.Require(), new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, Timeout = TimeSpan.FromSeconds(5) }, time);
        var limit = new RateLimit(10, TimeSpan.FromMinutes(1));

        await store.AcquireAsync("k", limit, 7);
        var tooMuch = await store.AcquireAsync("k", limit, 5);
        var fits = await store.AcquireAsync("k", limit, 3);

        Assert.False(tooMuch.IsAllowed);
        Assert.True(fits.IsAllowed);
        Assert.Equal(0, store.OverLimitCacheHits);
    }

    [Fact]
    public async Task Reset_ForgetsTheCachedDenial()
    {
        var time = new FakeTimeProvider(RateLimitStoreContract.Start);
        using var store = new RedisRateLimitStore(redis.Require(), new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, Timeout = TimeSpan.FromSeconds(5) }, time);
        var limit = new RateLimit(1, TimeSpan.FromMinutes(1));
        await store.AcquireAsync("k", limit);
        await store.AcquireAsync("k", limit);

        await store.ResetAsync("k", limit);

        Assert.True((await store.AcquireAsync("k", limit)).IsAllowed);
    }
}
