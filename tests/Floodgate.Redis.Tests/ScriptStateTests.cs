using System.Globalization;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Redis.Tests;

/// <summary>
/// What the scripts do with the state they keep, beyond the decisions the contract compares: a clock that lags the
/// recorded state, Redis TIME passing, large costs, and entries that have left the window.
/// </summary>
public sealed class ScriptStateTests(RedisFixture redis)
{
    public static TheoryData<RateLimitAlgorithm> Algorithms => new(Enum.GetValues<RateLimitAlgorithm>());

    /// <summary>
    /// Instances whose clocks disagree (the application clock of two processes, or Redis TIME after a failover to a server
    /// whose clock is behind): a decision stamped before the recorded state is made as at the recorded time, so the
    /// lagging instance neither opens a fresh window nor reports a longer wait. (GCRA records no time of its own, only
    /// the theoretical arrival time, so a lagging clock there simply waits longer.)
    /// </summary>
    [Theory]
    [InlineData(RateLimitAlgorithm.SlidingWindowCounter)]
    [InlineData(RateLimitAlgorithm.SlidingWindowLog)]
    [InlineData(RateLimitAlgorithm.TokenBucket)]
    [InlineData(RateLimitAlgorithm.FixedWindow)]
    public async Task InstanceWhoseClockLags_DecidesAsAtTheRecordedTime(RateLimitAlgorithm algorithm)
    {
        var prefix = RedisFixture.UniquePrefix();
        var ahead = new FakeTimeProvider(RateLimitStoreContract.Start + TimeSpan.FromSeconds(60)); // the second minute
        var behind = new FakeTimeProvider(RateLimitStoreContract.Start + TimeSpan.FromSeconds(59)); // still the first
        using var storeAhead = Store(prefix, ahead);
        using var storeBehind = Store(prefix, behind);
        var limit = new RateLimit(3, TimeSpan.FromMinutes(1), algorithm);
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await storeAhead.AcquireAsync("k", limit)).IsAllowed);
        }

        var fromBehind = await storeBehind.AcquireAsync("k", limit);
        var fromAhead = await storeAhead.AcquireAsync("k", limit);

        Assert.Equal(RateLimitDenialReason.LimitExceeded, fromBehind.Reason);
        Assert.Equal(fromAhead, fromBehind);
        RedisAssert.DecidedByRedis(storeBehind, redis.Server!, "k", limit);
    }

    /// <summary>
    /// On Redis TIME (production): a denied client is admitted again once Redis's clock has passed its retry time (the
    /// test waits for Redis's own clock to get there, read over a connection of its own, and times nothing).
    /// </summary>
    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task ServerClock_AdmitsAgainOnceRedisTimePassesTheRetryTime(RateLimitAlgorithm algorithm)
    {
        var server = redis.Server ?? throw new InvalidOperationException();
        using var store = new RedisRateLimitStore(redis.Require(), new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), FailureMode = RedisFailureMode.FailClosed, OverLimitCache = false, Timeout = TimeSpan.FromSeconds(5) });
        var limit = new RateLimit(1, TimeSpan.FromMilliseconds(300), algorithm);

        // Requests until one is denied (on a busy machine, two in a row may already be 300 ms apart).
        RateLimitDecision denied = default;
        for (var i = 0; i < 100 && denied.Reason != RateLimitDenialReason.LimitExceeded; i++)
        {
            denied = await store.AcquireAsync("k", limit);
        }

        Assert.Equal(RateLimitDenialReason.LimitExceeded, denied.Reason);
        RedisAssert.DecidedByRedis(store, server, "k", limit);
        var retryAt = RedisMicroseconds(server) + (denied.RetryAfter.Ticks / 10);
        await Poll.UntilAsync(() => RedisMicroseconds(server) >= retryAt, TimeSpan.FromSeconds(10), "Redis TIME to pass the retry time", TestContext.Current.CancellationToken);

        Assert.True((await store.AcquireAsync("k", limit)).IsAllowed);
        Assert.False(store.IsDegraded);
    }

    /// <summary>
    /// A fixed window's or a sliding counter's key expires with the window it counts: its expiry is set by the window's
    /// first write, and a later admission in the same window leaves it (it would set the same end on Redis TIME; on the
    /// application clock, the test hook, the end set by the first write shows).
    /// </summary>
    [Theory]
    [InlineData(RateLimitAlgorithm.FixedWindow)]
    [InlineData(RateLimitAlgorithm.SlidingWindowCounter)]
    public async Task WindowKey_ExpirySetByTheWindowsFirstWrite_Holds(RateLimitAlgorithm algorithm)
    {
        var time = new FakeTimeProvider(RateLimitStoreContract.Start + TimeSpan.FromSeconds(1));
        using var store = Store(RedisFixture.UniquePrefix(), time);
        var limit = new RateLimit(10, TimeSpan.FromMinutes(1), algorithm);
        var first = await store.AcquireAsync("k", limit);
        var key = store.StateKey("k", limit);
        var ttlAfterFirst = (long)redis.Server!.Call("PTTL", key)!;

        time.Advance(TimeSpan.FromSeconds(40));
        var second = await store.AcquireAsync("k", limit);

        Assert.True(first.IsAllowed && second.IsAllowed);
        var ttl = (long)redis.Server.Call("PTTL", key)!;
        Assert.True(ttl > (long)(second.ResetAfter + TimeSpan.FromSeconds(20)).TotalMilliseconds, $"PTTL {ttl} ms after the second admission (first {ttlAfterFirst} ms): the second write set the key's expiry again");
        Assert.InRange(ttl, 1, ttlAfterFirst);
    }

    [Fact]
    public async Task SlidingWindowLog_CostOfThousands_RecordsEveryUnit()
    {
        var time = new FakeTimeProvider(RateLimitStoreContract.Start);
        using var store = Store(RedisFixture.UniquePrefix(), time);
        var limit = new RateLimit(5_000, TimeSpan.FromMinutes(1), RateLimitAlgorithm.SlidingWindowLog);

        var decision = await store.AcquireAsync("k", limit, 2_500);

        Assert.Equal(2_500, decision.Remaining);
        Assert.Equal(2_500L, redis.Server!.Call("LLEN", store.StateKey("k", limit))); // RPUSH in chunks of a thousand
        Assert.Equal(2_500, (await store.PeekAsync("k", limit)).Remaining);
    }

    [Fact]
    public async Task SlidingWindowLog_EntriesThatLeftTheWindow_AreRemovedOnTheNextAdmission()
    {
        var time = new FakeTimeProvider(RateLimitStoreContract.Start);
        using var store = Store(RedisFixture.UniquePrefix(), time);
        var limit = new RateLimit(3, TimeSpan.FromMinutes(1), RateLimitAlgorithm.SlidingWindowLog);
        for (var i = 0; i < 3; i++)
        {
            await store.AcquireAsync("k", limit);
        }

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, (await store.AcquireAsync("k", limit)).Remaining);

        Assert.Equal(1L, redis.Server!.Call("LLEN", store.StateKey("k", limit)));
    }

    private static long RedisMicroseconds(RedisServer server)
    {
        var time = (object?[])server.Call("TIME")!;
        return (long.Parse((string)time[0]!, CultureInfo.InvariantCulture) * 1_000_000) + long.Parse((string)time[1]!, CultureInfo.InvariantCulture);
    }

    /// <summary>A store on the application clock (the test hook) that fails closed: only Redis can admit.</summary>
    private RedisRateLimitStore Store(string prefix, FakeTimeProvider time) =>
        new(redis.Require(), new RedisStoreOptions { KeyPrefix = prefix, UseApplicationClock = true, FailureMode = RedisFailureMode.FailClosed, OverLimitCache = false, Timeout = TimeSpan.FromSeconds(5) }, time);
}
