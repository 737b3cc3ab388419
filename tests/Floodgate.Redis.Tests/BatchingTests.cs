using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>
/// Requests that arrive while a call is in flight go out together in the next call, and each stays its own
/// all-or-nothing decision in arrival order. A paused Redis (<c>CLIENT PAUSE</c>, on a server of this test's own) holds
/// the first call in flight while the others queue behind it.
/// </summary>
public sealed class BatchingTests
{
    private static readonly RateLimit Ten = new(10, TimeSpan.FromMinutes(1), RateLimitAlgorithm.FixedWindow);
    private static readonly RateLimit One = new(1, TimeSpan.FromMinutes(1), RateLimitAlgorithm.TokenBucket);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RequestsQueuedBehindACall_GoOutInOneCall_EachAllOrNothing_InArrivalOrder()
    {
        using var server = RedisServer.StartOrSkip();
        using var connection = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        var time = new FakeTimeProvider(RateLimitStoreContract.Start);
        using var store = new RedisRateLimitStore(connection, new RedisStoreOptions
        {
            KeyPrefix = "batch", UseApplicationClock = true, FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(10),
        }, time);
        Assert.True((await store.AcquireAsync("spent", One, 1, Token)).IsAllowed); // "spent" has nothing left
        var tripsBefore = store.RoundTrips;

        server.Pause(TimeSpan.FromMilliseconds(300));
        var first = store.AcquireAsync("first", Ten, 1, Token).AsTask(); // in flight, held by the pause
        var decisions = new RateLimitDecision[5][];
        var queued = new Task<RateLimitDecision>[5];
        (string Key, RateLimit Limit)[][] requests =
        [
            [("a", Ten), ("spent", One)], // denied by its second limit: consumes nothing of "a"
            [("a", Ten)],                  // sees "a" untouched: 9 left
            [("b", Ten)],
            [("a", Ten), ("b", Ten)],      // after the two before it: 8 left of each
            [("a", Ten), ("b", Ten), ("spent", One)], // denied again: nothing consumed
        ];
        for (var i = 0; i < requests.Length; i++)
        {
            decisions[i] = new RateLimitDecision[requests[i].Length];
            var limits = requests[i].Select(r => new RateLimitRequest(r.Key, r.Limit, 1)).ToArray();
            queued[i] = store.AcquireAllAsync(limits, decisions[i], Token).AsTask();
        }

        Assert.True((await first).IsAllowed);
        var results = await Task.WhenAll(queued);

        Assert.Equal(tripsBefore + 2, store.RoundTrips); // the first call, then one call for the five queued behind it
        Assert.Equal([false, true, true, true, false], results.Select(d => d.IsAllowed));
        Assert.Equal(RateLimitDenialReason.LimitExceeded, results[0].Reason);
        Assert.Equal(9, decisions[1][0].Remaining);
        Assert.Equal(9, decisions[2][0].Remaining);
        Assert.Equal([8L, 8L], decisions[3].Select(d => d.Remaining));
        Assert.Equal(8, (await store.PeekAsync("a", Ten, Token)).Remaining); // the denied requests consumed nothing
        Assert.Equal(8, (await store.PeekAsync("b", Ten, Token)).Remaining);
    }

    [Fact]
    public async Task RequestQueuedBehindAStalledCall_WaitsNoLongerThanTimeoutInAll()
    {
        using var server = RedisServer.StartOrSkip();
        using var connection = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        var time = new FakeTimeProvider(RateLimitStoreContract.Start); // the timeouts run on this clock
        using var store = new RedisRateLimitStore(connection, new RedisStoreOptions
        {
            KeyPrefix = "stall", FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromMilliseconds(500),
        }, time);
        await store.AcquireAsync("warm", Ten, 1, Token);
        var tripsBefore = store.RoundTrips;

        server.Pause(TimeSpan.FromSeconds(2));
        var first = store.AcquireAsync("first", Ten, 1, Token).AsTask();  // in flight, held by the pause
        var second = store.AcquireAsync("second", Ten, 1, Token).AsTask(); // queued behind it
        time.Advance(TimeSpan.FromMilliseconds(500)); // the first call's timeout, set on this clock when it was sent

        // The second request spent its whole Timeout waiting: it is answered at once, never sent for another Timeout.
        Assert.Equal(RateLimitDenialReason.StoreUnavailable, (await first).Reason);
        Assert.Equal(RateLimitDenialReason.StoreUnavailable, (await second).Reason);
        Assert.Equal(tripsBefore + 1, store.RoundTrips);
        Assert.False(store.IsDegraded); // two slow answers are no outage
    }

    [Fact]
    public async Task BatchingOff_SendsEachRequestAlone()
    {
        using var server = RedisServer.StartOrSkip();
        using var connection = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var store = new RedisRateLimitStore(connection, new RedisStoreOptions
        {
            KeyPrefix = "alone", Batching = false, FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(10),
        });

        server.Pause(TimeSpan.FromMilliseconds(200));
        var all = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => store.AcquireAsync("k" + i, Ten, 1, Token).AsTask()));

        Assert.All(all, d => Assert.True(d.IsAllowed));
        Assert.Equal(6, store.RoundTrips);
    }
}
