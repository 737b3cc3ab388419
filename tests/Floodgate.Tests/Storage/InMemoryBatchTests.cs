using Floodgate.Storage;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Tests.Storage;

public sealed class InMemoryBatchTests
{
    private readonly FakeTimeProvider _time = new(RateLimitStoreContract.Start);

    [Fact]
    public void AcquireAll_WhenOneLimitDenies_NothingIsConsumed()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var wide = new RateLimit(10, TimeSpan.FromMinutes(1));
        var narrow = new RateLimit(1, TimeSpan.FromMinutes(1));
        store.Acquire("client", narrow);
        var decisions = new RateLimitDecision[2];

        var decision = store.AcquireAll([new("global", wide, 1, RateLimitLayer.Global), new("client", narrow, 1, RateLimitLayer.Client)], decisions);

        Assert.False(decision.IsAllowed);
        Assert.Equal(RateLimitLayer.Client, decision.Layer);
        Assert.True(decisions[0].IsAllowed);
        Assert.Equal(10, store.Peek("global", wide).Remaining);
    }

    [Fact]
    public void AcquireAll_WhenAllAdmit_EveryLimitConsumes_AndTheClosestToRunningOutSpeaks()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var perMinute = new RateLimit(3, TimeSpan.FromMinutes(1));
        var perHour = new RateLimit(100, TimeSpan.FromHours(1));
        var decisions = new RateLimitDecision[2];

        var decision = store.AcquireAll([new("c", perHour), new("c", perMinute)], decisions);

        Assert.True(decision.IsAllowed);
        Assert.Equal(perMinute, decision.Rule);
        Assert.Equal(2, store.Peek("c", perMinute).Remaining);
        Assert.Equal(99, store.Peek("c", perHour).Remaining);
    }

    [Fact]
    public async Task AcquireAll_ConcurrentBatchesInOppositeOrders_NeverDeadlock_AndStayExact()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var a = new RateLimit(500, TimeSpan.FromHours(1));
        var b = new RateLimit(300, TimeSpan.FromHours(1));
        var admitted = 0;

        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            RateLimitRequest[] batch = w % 2 == 0 ? [new("x", a), new("y", b)] : [new("y", b), new("x", a)];
            var decisions = new RateLimitDecision[2];
            for (var i = 0; i < 100; i++)
            {
                if (store.AcquireAll(batch, decisions).IsAllowed)
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        }));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(300, admitted);
        Assert.Equal(200, store.Peek("x", a).Remaining);
    }

    [Fact]
    public void AcquireAll_TheSameKeyAndLimitTwice_DoesNotDeadlock()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var limit = new RateLimit(5, TimeSpan.FromMinutes(1));
        var decisions = new RateLimitDecision[2];

        var decision = store.AcquireAll([new("k", limit), new("k", limit)], decisions);

        Assert.True(decision.IsAllowed);
    }

    [Fact]
    public void AcquireAll_RejectsEmptyAndShortBuffers()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var limit = new RateLimit(5, TimeSpan.FromMinutes(1));

        Assert.Throws<ArgumentOutOfRangeException>(() => store.AcquireAll([], new RateLimitDecision[1]));
        Assert.Equal("decisions", Assert.Throws<ArgumentOutOfRangeException>(() => store.AcquireAll([new("a", limit), new("b", limit)], new RateLimitDecision[1])).ParamName);
        var tooMany = Enumerable.Range(0, 33).Select(i => new RateLimitRequest("k" + i, limit)).ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => store.AcquireAll(tooMany, new RateLimitDecision[33]));
        Assert.Throws<ArgumentNullException>(() => store.AcquireAll([new("a", limit), new(null!, limit)], new RateLimitDecision[2]));
        Assert.Throws<ArgumentNullException>(() => store.AcquireAll([new("a", limit), new("b", null!)], new RateLimitDecision[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.AcquireAll([new("a", limit), new("b", limit, -1)], new RateLimitDecision[2]));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void AcquireAll_OneRequest_DecidesAsAcquire_WithItsLayer()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var limit = new RateLimit(2, TimeSpan.FromMinutes(1));
        var decisions = new RateLimitDecision[1];

        var decision = store.AcquireAll([new("c", limit, 1, RateLimitLayer.Endpoint)], decisions);

        Assert.True(decision.IsAllowed);
        Assert.Equal(RateLimitLayer.Endpoint, decision.Layer);
        Assert.Equal(1, decision.Remaining);
        Assert.Equal(decision, decisions[0]);
        Assert.Equal(1, store.Peek("c", limit).Remaining);
    }

    /// <summary>Each admitted limit of a batch consumes, and keeps its state until it expires (the sweep leaves it).</summary>
    [Theory]
    [InlineData(RateLimitAlgorithm.SlidingWindowCounter)]
    [InlineData(RateLimitAlgorithm.SlidingWindowLog)]
    [InlineData(RateLimitAlgorithm.TokenBucket)]
    [InlineData(RateLimitAlgorithm.FixedWindow)]
    [InlineData(RateLimitAlgorithm.Gcra)]
    public void AcquireAll_ThreeLimitsThatAdmit_AllConsume_AndOutliveTheSweep(RateLimitAlgorithm algorithm)
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { CleanupInterval = TimeSpan.FromSeconds(1) }, _time);
        var limit = new RateLimit(5, TimeSpan.FromMinutes(1), algorithm);
        string[] keys = ["a", "b", "c"];
        var batch = keys.Select(k => new RateLimitRequest(k, limit)).ToArray();

        Assert.True(store.AcquireAll(batch, new RateLimitDecision[3]).IsAllowed);
        _time.Advance(TimeSpan.FromSeconds(2)); // the sweep runs twice; each state is live for most of the minute

        Assert.Equal(3, store.Count);
        Assert.All(keys, key => Assert.Equal(4, store.Peek(key, limit).Remaining));
    }
}
