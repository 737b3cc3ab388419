using System.Collections.Concurrent;
using Floodgate.Testing;

namespace Floodgate.Redis.Tests;

/// <summary>
/// A slow Redis is not a gone Redis: a stall (<c>CLIENT PAUSE</c> on a server of the test's own) shorter than the
/// outage threshold never switches the store to its failure mode, and never admits more than the limit.
/// </summary>
public sealed class SlowRedisTests
{
    private static readonly RateLimit Limit = new(50, TimeSpan.FromMinutes(10), RateLimitAlgorithm.SlidingWindowLog);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PauseShorterThanTheDefaultTimeout_IsWaitedFor_AdmitsExactlyTheLimit()
    {
        using var server = RedisServer.StartOrSkip();
        var options = new RedisStoreOptions { Configuration = server.Endpoint, KeyPrefix = RedisFixture.UniquePrefix() };
        using var connection = await ConnectedAsync(options);
        using var store = new RedisRateLimitStore(connection, options);
        var switches = 0;
        store.DegradedChanged += _ => Interlocked.Increment(ref switches);

        var admitted = await AdmittedAsync(store, 30, concurrency: 1);
        server.Pause(TimeSpan.FromMilliseconds(100));
        admitted += await AdmittedAsync(store, 170, concurrency: 16);

        Assert.Equal(0, switches);
        Assert.False(store.IsDegraded);
        Assert.Equal(Limit.Count, admitted);
        Assert.Equal(0, (await store.PeekAsync("client", Limit, Token)).Remaining);
        Assert.Equal(Limit.Count, (long)server.Call("LLEN", store.StateKey("client", Limit))!);
    }

    [Fact]
    public async Task StallLongerThanTimeoutButShorterThanTheThreshold_NoSwitch_NoOverAdmission()
    {
        using var server = RedisServer.StartOrSkip();
        var options = new RedisStoreOptions { Configuration = server.Endpoint, KeyPrefix = RedisFixture.UniquePrefix(), Timeout = TimeSpan.FromMilliseconds(200) };
        using var connection = await ConnectedAsync(options);
        using var store = new RedisRateLimitStore(connection, options);
        var switches = 0;
        store.DegradedChanged += _ => Interlocked.Increment(ref switches);
        var decisions = new ConcurrentQueue<RateLimitDecision>();

        await AdmittedAsync(store, 30, concurrency: 1, decisions);

        // Every caller's first call times out, its second (begun after that timeout was seen) is answered when the
        // pause ends: two timeouts in a row at most, the threshold is three.
        server.Pause(TimeSpan.FromMilliseconds(300));
        await AdmittedAsync(store, 170, concurrency: 8, decisions);

        Assert.Equal(0, switches);
        Assert.Equal(0, store.Outages);
        Assert.Contains(decisions, d => d.Reason == RateLimitDenialReason.StoreUnavailable); // the calls that timed out
        Assert.InRange(decisions.Count(d => d.IsAllowed), 1, Limit.Count);
        Assert.Equal(Limit.Count, (long)server.Call("LLEN", store.StateKey("client", Limit))!); // Redis counted the limit, no more
    }

    [Fact]
    public async Task TimeoutsInARow_UpToTheThreshold_ThenTheFailureModeAnswers()
    {
        using var server = RedisServer.StartOrSkip();
        var options = new RedisStoreOptions
        {
            Configuration = server.Endpoint,
            KeyPrefix = RedisFixture.UniquePrefix(),
            Timeout = TimeSpan.FromMilliseconds(100),
            RetryInterval = TimeSpan.FromHours(1),
        };
        using var connection = await ConnectedAsync(options);
        using var store = new RedisRateLimitStore(connection, options);
        Assert.True((await store.AcquireAsync("client", Limit, 1, Token)).IsAllowed);

        server.Pause(TimeSpan.FromSeconds(5));
        var decisions = new RateLimitDecision[1];
        var first = await store.AcquireAllAsync(new[] { new RateLimitRequest("client", Limit, 1, RateLimitLayer.Client) }, decisions, Token);
        var second = await store.AcquireAsync("client", Limit, 1, Token);
        Assert.False(store.IsDegraded);
        var third = await store.AcquireAsync("client", Limit, 1, Token);

        Assert.Equal(RateLimitDenialReason.StoreUnavailable, first.Reason);
        Assert.Equal(RateLimitLayer.None, first.Layer); // the store could not decide: no client's violation, no ban
        Assert.Equal(RateLimitDenialReason.StoreUnavailable, second.Reason);
        Assert.True(store.IsDegraded);
        Assert.Equal(1, store.Outages);
        Assert.True(third.IsAllowed); // the memory fallback, once Redis is taken to be gone
    }

    [Fact]
    public async Task FallbackToMemory_GrantsThisInstanceItsShareOfTheLimit()
    {
        var options = new RedisStoreOptions { Configuration = $"127.0.0.1:{RedisServer.FreePort()}", Instances = 3 };
        using var connection = FloodgateRedisBuilderExtensions.Connect(options);
        using var store = new RedisRateLimitStore(connection, options);
        var limit = new RateLimit(30, TimeSpan.FromMinutes(1), RateLimitAlgorithm.FixedWindow);

        var admitted = 0;
        for (var i = 0; i < 40; i++)
        {
            admitted += (await store.AcquireAsync("client", limit, 1, Token)).IsAllowed ? 1 : 0;
        }

        Assert.True(store.IsDegraded);
        Assert.Equal(10, admitted);
    }

    /// <summary>A connection that is up (on a busy machine the connect can outlast Connect's wait, and a first call then finds none).</summary>
    internal static async Task<StackExchange.Redis.IConnectionMultiplexer> ConnectedAsync(RedisStoreOptions options)
    {
        var connection = FloodgateRedisBuilderExtensions.Connect(options);
        await Poll.UntilAsync(() => connection.IsConnected, TimeSpan.FromSeconds(30), "the connection to Redis", Token);
        return connection;
    }

    /// <summary>Sends <paramref name="total"/> one-unit requests for one client from <paramref name="concurrency"/> callers; returns how many were admitted.</summary>
    private static async Task<int> AdmittedAsync(RedisRateLimitStore store, int total, int concurrency, ConcurrentQueue<RateLimitDecision>? decisions = null)
    {
        var sent = 0;
        var admitted = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(
            async () =>
            {
                while (Interlocked.Increment(ref sent) <= total)
                {
                    var decision = await store.AcquireAsync("client", Limit, 1, Token);
                    decisions?.Enqueue(decision);
                    if (decision.IsAllowed)
                    {
                        Interlocked.Increment(ref admitted);
                    }
                }
            },
            Token)));
        return admitted;
    }
}
