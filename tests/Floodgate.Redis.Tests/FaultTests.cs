using System.Diagnostics;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>Redis vanishing in the middle of a load never fails a request; the failure mode answers; Redis takes over again when back.</summary>
public sealed class FaultTests
{
    [Theory]
    [InlineData(RedisFailureMode.FallbackToMemory)]
    [InlineData(RedisFailureMode.FailOpen)]
    [InlineData(RedisFailureMode.FailClosed)]
    public async Task RedisKilledUnderLoad_FailureModeHolds_ThenDecisionsReturnToRedis(RedisFailureMode mode)
    {
        using var server = RedisServer.StartOrSkip();

        using var connection = FloodgateRedisBuilderExtensions.Connect(new RedisStoreOptions { Configuration = server.Endpoint });
        using var store = new RedisRateLimitStore(connection, new RedisStoreOptions
        {
            KeyPrefix = RedisFixture.UniquePrefix(),
            FailureMode = mode,
            Timeout = TimeSpan.FromMilliseconds(200),
            RetryInterval = TimeSpan.FromMilliseconds(100),
        });
        var limit = new RateLimit(1_000_000, TimeSpan.FromHours(1));
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<RateLimitDecision>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                outcomes.Add(await store.AcquireAsync($"client-{i}", limit));
            }
        })).ToArray();

        await WaitUntil(() => store.RoundTrips > 50, "the load reached Redis");
        Assert.False(store.IsDegraded);
        RedisAssert.HoldsWithTtl(server, store.StateKey("client-0", limit));
        server.Kill();
        await WaitUntil(() => store.IsDegraded, "the store noticed Redis is gone");
        outcomes.Clear();
        await WaitUntil(() => outcomes.Count > 200, "decisions continued without Redis");
        var whileDown = outcomes.ToArray();

        server.Start();
        var roundTripsBefore = store.RoundTrips;
        await WaitUntil(() => !store.IsDegraded && store.RoundTrips > roundTripsBefore + 50, "decisions returned to Redis");
        await stop.CancelAsync();
        await Task.WhenAll(load); // no exception escaped any caller

        switch (mode)
        {
            case RedisFailureMode.FallbackToMemory:
            case RedisFailureMode.FailOpen:
                Assert.All(whileDown, d => Assert.True(d.IsAllowed));
                break;
            case RedisFailureMode.FailClosed:
                Assert.Contains(whileDown, d => d.Reason == RateLimitDenialReason.StoreUnavailable);
                Assert.All(whileDown.Where(d => !d.IsAllowed), d => Assert.Equal(RateLimitDenialReason.StoreUnavailable, d.Reason));
                break;
        }
    }

    /// <summary>Each failure mode answers as documented: the memory fallback limits, FailOpen admits all, FailClosed denies all.</summary>
    [Theory]
    [InlineData(RedisFailureMode.FallbackToMemory)]
    [InlineData(RedisFailureMode.FailOpen)]
    [InlineData(RedisFailureMode.FailClosed)]
    public async Task RedisDownAtStartUp_DoesNotStopTheStore_AndTheFailureModeAnswers(RedisFailureMode mode)
    {
        var port = RedisServer.FreePort(); // nothing listens here
        using var connection = FloodgateRedisBuilderExtensions.Connect(new RedisStoreOptions { Configuration = $"127.0.0.1:{port}" });
        using var store = new RedisRateLimitStore(connection, new RedisStoreOptions { FailureMode = mode, Timeout = TimeSpan.FromMilliseconds(100) });
        var limit = new RateLimit(2, TimeSpan.FromMinutes(1));

        var decisions = new List<RateLimitDecision>();
        for (var i = 0; i < 3; i++)
        {
            decisions.Add(await store.AcquireAsync("k", limit));
        }

        Assert.True(store.IsDegraded);
        switch (mode)
        {
            case RedisFailureMode.FallbackToMemory:
                Assert.Equal([true, true, false], decisions.Select(d => d.IsAllowed)); // the memory fallback still limits
                Assert.Equal(RateLimitDenialReason.LimitExceeded, decisions[2].Reason);
                break;
            case RedisFailureMode.FailOpen:
                Assert.All(decisions, d => Assert.True(d.IsAllowed)); // past the limit: nothing counts while Redis is away
                Assert.All(decisions, d => Assert.Equal(2, d.Remaining));
                break;
            case RedisFailureMode.FailClosed:
                Assert.All(decisions, d => Assert.Equal(RateLimitDenialReason.StoreUnavailable, d.Reason));
                break;
        }
    }

    /// <summary>
    /// Two instances lose Redis in the middle of a window in which a client used 30 of its 40: deciding in memory, each
    /// starts from its share of the 10 left, so the window admits about the limit, not the 30 plus two fresh shares.
    /// </summary>
    [Fact]
    public async Task OutageInTheMiddleOfAWindow_TwoInstancesAdmitAboutTheLimitInThatWindow()
    {
        using var server = RedisServer.StartOrSkip();
        var options = new RedisStoreOptions { Configuration = server.Endpoint, KeyPrefix = "mid", Instances = 2, Timeout = TimeSpan.FromSeconds(5) };
        using var connectionA = FloodgateRedisBuilderExtensions.Connect(options);
        using var connectionB = FloodgateRedisBuilderExtensions.Connect(options);
        await WaitUntil(() => connectionA.IsConnected && connectionB.IsConnected, "both instances to connect");
        using var storeA = new RedisRateLimitStore(connectionA, options);
        using var storeB = new RedisRateLimitStore(connectionB, options);
        var limit = new RateLimit(40, TimeSpan.FromHours(1), RateLimitAlgorithm.FixedWindow);
        for (var i = 0; i < 30; i++)
        {
            Assert.True((await (i % 2 == 0 ? storeA : storeB).AcquireAsync("client", limit)).IsAllowed);
        }

        server.Kill();
        var admittedDuringOutage = 0;
        foreach (var store in new[] { storeA, storeB })
        {
            for (var i = 0; i < 40; i++)
            {
                admittedDuringOutage += (await store.AcquireAsync("client", limit)).IsAllowed ? 1 : 0;
            }

            Assert.True(store.IsDegraded);
        }

        // Each instance's share (20) of what Redis last told it was left (11 and 10): 5 each. Fresh shares would be 40.
        Assert.InRange(30 + admittedDuringOutage, 40, 44);
    }

    [Fact]
    public async Task HealthCheck_ReportsHealthyThenDegraded()
    {
        using var server = RedisServer.StartOrSkip();

        var options = new RedisStoreOptions { Configuration = server.Endpoint, Timeout = TimeSpan.FromMilliseconds(100) };
        using var connection = FloodgateRedisBuilderExtensions.Connect(options);
        var check = new RedisHealthCheck(connection, options, TimeProvider.System);

        var healthy = await check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext());
        server.Kill();
        var degraded = await check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext());

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, healthy.Status);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, degraded.Status);
    }

    [Fact]
    public async Task ScriptCacheFlushed_IsReloaded()
    {
        using var server = RedisServer.StartOrSkip();

        using var connection = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var store = new RedisRateLimitStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), Timeout = TimeSpan.FromSeconds(5) });
        var limit = new RateLimit(3, TimeSpan.FromMinutes(1));
        await store.AcquireAsync("k", limit);

        Assert.Equal("+OK", server.Command("SCRIPT FLUSH"));
        var after = await store.AcquireAsync("k", limit);

        Assert.True(after.IsAllowed);
        Assert.Equal(1, after.Remaining);
        RedisAssert.DecidedByRedis(store, server, "k", limit);
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// An outage in which Redis keeps its state (here it turns read-only, as a primary does when it becomes a replica):
    /// what memory admitted meanwhile is counted in Redis before Redis decides again, so that a client partway through
    /// its limit does not get the rest of it twice, once from memory and once from Redis. A try while Redis still
    /// refuses carries nothing and keeps the outage; when it answers, many requests arrive at once, and none is
    /// decided by Redis before the outage's admissions are counted there.
    /// </summary>
    [Fact]
    public async Task AdmissionsDuringAnOutage_AreCountedInRedisBeforeItDecidesAgain()
    {
        using var server = RedisServer.StartOrSkip();
        using var connection = FloodgateRedisBuilderExtensions.Connect(new RedisStoreOptions { Configuration = server.Endpoint });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var store = OutageStore(connection, time);
        var limit = new RateLimit(50, TimeSpan.FromHours(1), RateLimitAlgorithm.SlidingWindowLog);

        var inRedis = await AdmittedAsync(store, limit, 20);
        MakeReadOnly(server);
        var inMemory = await AdmittedAsync(store, limit, 50);
        Assert.True(store.IsDegraded);

        // Still read-only when the store tries again: nothing is carried, the outage goes on, memory keeps deciding.
        time.Advance(TimeSpan.FromSeconds(2));
        var whileStillRefused = await AdmittedAsync(store, limit, 5);
        await Poll.UntilAsync(() => store.Outages == 1 && store.IsDegraded && store.CarryBackDone, TimeSpan.FromSeconds(30), "the try to fail", Token);

        // Writable again; then 50 requests of the client at once: the first starts the carrying back, memory decides
        // them meanwhile and for the grace after it (this instance's share is spent), then Redis has only the rest.
        await MakeWritableAsync(server, connection);
        time.Advance(TimeSpan.FromSeconds(2));
        var together = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => store.AcquireAsync("client", limit, 1, Token).AsTask()));
        await Poll.UntilAsync(() => !store.IsDegraded, TimeSpan.FromSeconds(30), "the outage to end", Token);
        time.Advance(TimeSpan.FromSeconds(2));
        var afterwards = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => store.AcquireAsync("client", limit, 1, Token).AsTask()));

        // 20 in Redis, then this instance's share of the 30 left (15) from memory, then only what Redis has left.
        Assert.Equal(20, inRedis);
        Assert.Equal(15, inMemory);
        Assert.Equal(0, whileStillRefused);
        Assert.Equal(0, together.Count(d => d.IsAllowed));
        Assert.Equal(15, afterwards.Count(d => d.IsAllowed));
        Assert.Equal(50L, server.Call("LLEN", store.StateKey("client", limit)));
    }

    /// <summary>
    /// Two instances in one outage, each admitting its share of what was left from memory, back on Redis at different
    /// moments: the one back first does not get from Redis what the other's memory gave meanwhile (the keys decided in
    /// memory stay with memory for a grace period), so the two admit the limit in all, not the limit and the other's share.
    /// </summary>
    [Fact]
    public async Task InstancesBackAtDifferentMoments_AdmitTheLimitInAll()
    {
        using var server = RedisServer.StartOrSkip();
        using var toA = FloodgateRedisBuilderExtensions.Connect(new RedisStoreOptions { Configuration = server.Endpoint });
        using var toB = FloodgateRedisBuilderExtensions.Connect(new RedisStoreOptions { Configuration = server.Endpoint });
        var prefix = RedisFixture.UniquePrefix();
        var timeA = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var timeB = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var a = OutageStore(toA, timeA, prefix);
        using var b = OutageStore(toB, timeB, prefix);
        var limit = new RateLimit(50, TimeSpan.FromHours(1), RateLimitAlgorithm.SlidingWindowLog);

        // 20 in Redis; each instance last heard that 30 or 31 were left, so each has a share of 15 from memory.
        var inRedis = await AdmittedAsync(a, limit, 10) + await AdmittedAsync(b, limit, 9) + await AdmittedAsync(a, limit, 1);
        MakeReadOnly(server);
        var inMemory = await AdmittedAsync(a, limit, 50) + await AdmittedAsync(b, limit, 50);

        // A is back while B still rests: A's share is spent, and Redis's 15 left are B's, which B's memory gave.
        await MakeWritableAsync(server, toA, toB);
        timeA.Advance(TimeSpan.FromSeconds(2));
        var aFirst = await AdmittedAsync(a, limit, 1);
        await Poll.UntilAsync(() => !a.IsDegraded, TimeSpan.FromSeconds(30), "A to be back", Token);
        var aWhileBAway = await AdmittedAsync(a, limit, 50);
        Assert.True(b.IsDegraded);

        // B is back; after the grace, both decide in Redis again.
        timeB.Advance(TimeSpan.FromSeconds(2));
        var bFirst = await AdmittedAsync(b, limit, 1);
        await Poll.UntilAsync(() => !b.IsDegraded, TimeSpan.FromSeconds(30), "B to be back", Token);
        timeA.Advance(TimeSpan.FromSeconds(2));
        timeB.Advance(TimeSpan.FromSeconds(2));
        var afterwards = await AdmittedAsync(a, limit, 50) + await AdmittedAsync(b, limit, 50);

        Assert.Equal(20, inRedis);
        Assert.Equal(30, inMemory);
        Assert.Equal(0, aFirst + aWhileBAway + bFirst + afterwards);
        Assert.Equal(50L, server.Call("LLEN", a.StateKey("client", limit)));
    }

    /// <summary>
    /// What Redis last said of a key outlives a policy reload, which makes new but equal limits: an outage right after
    /// one starts the key's share from what Redis said was left, not from a full share.
    /// </summary>
    [Fact]
    public async Task OutageAfterAPolicyReload_StartsFromWhatRedisSaidWasLeft()
    {
        using var server = RedisServer.StartOrSkip();
        using var connection = FloodgateRedisBuilderExtensions.Connect(new RedisStoreOptions { Configuration = server.Endpoint });
        using var store = OutageStore(connection, new FakeTimeProvider(DateTimeOffset.UtcNow));
        var before = new RateLimit(50, TimeSpan.FromHours(1), RateLimitAlgorithm.SlidingWindowLog);
        var reloaded = new RateLimit(50, TimeSpan.FromHours(1), RateLimitAlgorithm.SlidingWindowLog);
        Assert.Equal(before, reloaded);
        Assert.NotSame(before, reloaded);

        var inRedis = await AdmittedAsync(store, before, 30);
        MakeReadOnly(server);
        var inMemory = await AdmittedAsync(store, reloaded, 50);

        // 20 left in Redis; this instance's share of them is 10 (a full share would be 25).
        Assert.Equal(30, inRedis);
        Assert.Equal(10, inMemory);
    }

    private static RedisRateLimitStore OutageStore(IConnectionMultiplexer connection, FakeTimeProvider time, string? prefix = null) => new(
        connection,
        new RedisStoreOptions
        {
            KeyPrefix = prefix ?? RedisFixture.UniquePrefix(),
            FailureMode = RedisFailureMode.FallbackToMemory,
            Instances = 2,
            RetryInterval = TimeSpan.FromSeconds(1),
        },
        time);

    /// <summary>A replica of a server that is not there: writes are refused with READONLY, the data stays.</summary>
    private static void MakeReadOnly(RedisServer server) =>
        server.Call("REPLICAOF", "127.0.0.1", RedisServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A primary again, and known as one to each connection.</summary>
    private static async Task MakeWritableAsync(RedisServer server, params IConnectionMultiplexer[] connections)
    {
        server.Call("REPLICAOF", "NO", "ONE");
        foreach (var connection in connections)
        {
            await Poll.UntilAsync(
                async () =>
                {
                    await connection.ConfigureAsync();
                    return connection.GetServers().Any(s => s.IsConnected && !s.IsReplica);
                },
                TimeSpan.FromSeconds(30),
                "the connection to see a primary again",
                Token);
        }
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<int> AdmittedAsync(RedisRateLimitStore store, RateLimit limit, int attempts)
    {
        var admitted = 0;
        for (var i = 0; i < attempts; i++)
        {
            admitted += (await store.AcquireAsync("client", limit, 1, Token)).IsAllowed ? 1 : 0;
        }

        return admitted;
    }
}
