using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Floodgate.Storage.Testing;

/// <summary>
/// What every store does with every algorithm. A test class per (store, algorithm) inherits it; the Redis store
/// runs the same facts as the memory store, and a store of one's own runs them too. Time starts at a day boundary
/// and is only ever advanced: the store must read its clock from the <see cref="FakeTimeProvider"/> it is given.
/// </summary>
public abstract class RateLimitStoreContract
{
    /// <summary>Midnight UTC: aligned to every window of a minute, an hour and a day.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The clock every store of the test reads; facts advance it.</summary>
    protected FakeTimeProvider Time { get; } = new(Start);

    /// <summary>The algorithm whose limits the facts use.</summary>
    protected abstract RateLimitAlgorithm Algorithm { get; }

    /// <summary>A store that reads its clock from <paramref name="time"/>.</summary>
    protected abstract IRateLimitStore CreateStore(FakeTimeProvider time);

    /// <summary>A limit of <paramref name="count"/> per <paramref name="window"/> under <see cref="Algorithm"/>.</summary>
    protected RateLimit Limit(long count, TimeSpan window) => new(count, window, Algorithm);

    /// <summary>
    /// Asserts that the decisions on <paramref name="key"/> under <paramref name="limit"/> were made by the store itself
    /// and that it keeps their state where it promises to (for Redis: in Redis, with a TTL, not in a fallback). Nothing
    /// to check for a store without a fallback.
    /// </summary>
    protected virtual void AssertStateKept(IRateLimitStore store, string key, RateLimit limit)
    {
    }

    /// <summary>The test's cancellation token.</summary>
    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Acquire: up to limit, admits each with falling remaining.</summary>
    [Fact]
    public async Task Acquire_UpToLimit_AdmitsEachWithFallingRemaining()
    {
        var store = CreateStore(Time);
        var limit = Limit(5, TimeSpan.FromMinutes(1));

        for (var expected = 4; expected >= 0; expected--)
        {
            var decision = await store.AcquireAsync("client", limit, 1, Token);
            Assert.True(decision.IsAllowed);
            Assert.Equal(expected, decision.Remaining);
            Assert.Equal(5, decision.Limit);
            Assert.Equal(TimeSpan.Zero, decision.RetryAfter);
            Assert.Equal(RateLimitDenialReason.None, decision.Reason);
            Assert.Equal(limit, decision.Rule);
        }

        AssertStateKept(store, "client", limit);
    }

    /// <summary>Acquire: over limit, denies with retry after.</summary>
    [Fact]
    public async Task Acquire_OverLimit_DeniesWithRetryAfter()
    {
        var store = CreateStore(Time);
        var limit = Limit(5, TimeSpan.FromMinutes(1));
        await Exhaust(store, "client", limit);

        var denied = await store.AcquireAsync("client", limit, 1, Token);

        Assert.False(denied.IsAllowed);
        Assert.Equal(RateLimitDenialReason.LimitExceeded, denied.Reason);
        Assert.Equal(0, denied.Remaining);
        Assert.InRange(denied.RetryAfter, TimeSpan.FromTicks(1), TimeSpan.FromMinutes(2));
        Assert.True(denied.CanRetry);
    }

    /// <summary>Acquire: denied, consumes nothing.</summary>
    [Fact]
    public async Task Acquire_Denied_ConsumesNothing()
    {
        var store = CreateStore(Time);
        var limit = Limit(10, TimeSpan.FromMinutes(1));

        var first = await store.AcquireAsync("client", limit, 7, Token);
        var tooMuch = await store.AcquireAsync("client", limit, 5, Token);
        var rest = await store.AcquireAsync("client", limit, 3, Token);

        Assert.True(first.IsAllowed);
        Assert.Equal(3, first.Remaining);
        Assert.False(tooMuch.IsAllowed);
        Assert.Equal(3, tooMuch.Remaining);
        Assert.True(rest.IsAllowed);
        Assert.Equal(0, rest.Remaining);
        AssertStateKept(store, "client", limit);
    }

    /// <summary>Acquire: cost above limit, is denied for good without consuming.</summary>
    [Fact]
    public async Task Acquire_CostAboveLimit_IsDeniedForGoodWithoutConsuming()
    {
        var store = CreateStore(Time);
        var limit = Limit(10, TimeSpan.FromMinutes(1));

        var decision = await store.AcquireAsync("client", limit, 11, Token);

        Assert.False(decision.IsAllowed);
        Assert.Equal(RateLimitDenialReason.CostExceedsLimit, decision.Reason);
        Assert.Equal(Timeout.InfiniteTimeSpan, decision.RetryAfter);
        Assert.False(decision.CanRetry);
        Assert.Equal(10, (await store.PeekAsync("client", limit, Token)).Remaining);
    }

    /// <summary>Acquire: after retry after, admits again.</summary>
    [Fact]
    public async Task Acquire_AfterRetryAfter_AdmitsAgain()
    {
        var store = CreateStore(Time);
        var limit = Limit(5, TimeSpan.FromMinutes(1));
        Time.Advance(TimeSpan.FromSeconds(17)); // away from the window start, so the sliding counter weighs a previous window
        await Exhaust(store, "client", limit);
        var denied = await store.AcquireAsync("client", limit, 1, Token);

        Time.Advance(denied.RetryAfter);
        var admitted = await store.AcquireAsync("client", limit, 1, Token);

        Assert.False(denied.IsAllowed);
        Assert.True(admitted.IsAllowed);
        AssertStateKept(store, "client", limit);
    }

    /// <summary>Acquire: just before retry after, is still denied.</summary>
    [Fact]
    public async Task Acquire_JustBeforeRetryAfter_IsStillDenied()
    {
        var store = CreateStore(Time);
        var limit = Limit(5, TimeSpan.FromMinutes(1));
        Time.Advance(TimeSpan.FromSeconds(17));
        await Exhaust(store, "client", limit);
        var denied = await store.AcquireAsync("client", limit, 1, Token);

        Assert.True(denied.RetryAfter > TimeSpan.FromMilliseconds(5));
        Time.Advance(denied.RetryAfter - TimeSpan.FromMilliseconds(5));
        var early = await store.AcquireAsync("client", limit, 1, Token);

        Assert.False(early.IsAllowed);
        AssertStateKept(store, "client", limit);
    }

    /// <summary>Acquire: after reset after, has the whole limit again.</summary>
    [Fact]
    public async Task Acquire_AfterResetAfter_HasTheWholeLimitAgain()
    {
        var store = CreateStore(Time);
        var limit = Limit(5, TimeSpan.FromMinutes(1));
        Time.Advance(TimeSpan.FromSeconds(17));
        var last = await Exhaust(store, "client", limit);

        Time.Advance(last.ResetAfter);
        var standing = await store.PeekAsync("client", limit, Token);

        Assert.Equal(5, standing.Remaining);
        Assert.True(standing.IsAllowed);
    }

    /// <summary>Peek: never consumes.</summary>
    [Fact]
    public async Task Peek_NeverConsumes()
    {
        var store = CreateStore(Time);
        var limit = Limit(5, TimeSpan.FromMinutes(1));

        for (var i = 0; i < 10; i++)
        {
            var standing = await store.PeekAsync("client", limit, Token);
            Assert.True(standing.IsAllowed);
            Assert.Equal(5, standing.Remaining);
        }

        Assert.Equal(4, (await store.AcquireAsync("client", limit, 1, Token)).Remaining);
        Assert.Equal(4, (await store.PeekAsync("client", limit, Token)).Remaining);
        AssertStateKept(store, "client", limit);
    }

    /// <summary>Peek: when exhausted, reports denied with retry after.</summary>
    [Fact]
    public async Task Peek_WhenExhausted_ReportsDeniedWithRetryAfter()
    {
        var store = CreateStore(Time);
        var limit = Limit(3, TimeSpan.FromMinutes(1));
        await Exhaust(store, "client", limit);

        var standing = await store.PeekAsync("client", limit, Token);

        Assert.False(standing.IsAllowed);
        Assert.Equal(0, standing.Remaining);
        Assert.True(standing.RetryAfter > TimeSpan.Zero);
    }

    /// <summary>Reset: forgets the key.</summary>
    [Fact]
    public async Task Reset_ForgetsTheKey()
    {
        var store = CreateStore(Time);
        var limit = Limit(3, TimeSpan.FromMinutes(1));
        await Exhaust(store, "client", limit);

        await store.ResetAsync("client", limit, Token);

        Assert.Equal(2, (await store.AcquireAsync("client", limit, 1, Token)).Remaining);
        AssertStateKept(store, "client", limit);
    }

    /// <summary>Keys: are limited independently.</summary>
    [Fact]
    public async Task Keys_AreLimitedIndependently()
    {
        var store = CreateStore(Time);
        var limit = Limit(2, TimeSpan.FromMinutes(1));
        await Exhaust(store, "a", limit);

        var other = await store.AcquireAsync("b", limit, 1, Token);

        Assert.True(other.IsAllowed);
        Assert.False((await store.AcquireAsync("a", limit, 1, Token)).IsAllowed);
        AssertStateKept(store, "a", limit);
        AssertStateKept(store, "b", limit);
    }

    /// <summary>Limits: on the same key, keep separate state.</summary>
    [Fact]
    public async Task Limits_OnTheSameKey_KeepSeparateState()
    {
        var store = CreateStore(Time);
        var perMinute = Limit(2, TimeSpan.FromMinutes(1));
        var perHour = Limit(100, TimeSpan.FromHours(1));
        await Exhaust(store, "client", perMinute);

        var hourly = await store.AcquireAsync("client", perHour, 1, Token);

        Assert.True(hourly.IsAllowed);
        Assert.Equal(99, hourly.Remaining);
        AssertStateKept(store, "client", perMinute);
        AssertStateKept(store, "client", perHour);
    }

    /// <summary>Acquire: concurrent callers, admit exactly the limit.</summary>
    [Fact]
    public async Task Acquire_ConcurrentCallers_AdmitExactlyTheLimit()
    {
        var store = CreateStore(Time);
        const int limitCount = 200;
        var limit = Limit(limitCount, TimeSpan.FromMinutes(1));
        var admitted = 0;

        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                if ((await store.AcquireAsync("hot", limit, 1, Token)).IsAllowed)
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        }, Token));
        await Task.WhenAll(workers);

        Assert.Equal(limitCount, admitted);
        AssertStateKept(store, "hot", limit);
    }

    /// <summary>Acquire: zero cost, reports without consuming.</summary>
    [Fact]
    public async Task Acquire_ZeroCost_ReportsWithoutConsuming()
    {
        var store = CreateStore(Time);
        var limit = Limit(4, TimeSpan.FromMinutes(1));
        await store.AcquireAsync("client", limit, 1, Token);

        var free = await store.AcquireAsync("client", limit, 0, Token);

        Assert.True(free.IsAllowed);
        Assert.Equal(3, free.Remaining);
        Assert.Equal(3, (await store.PeekAsync("client", limit, Token)).Remaining);
        AssertStateKept(store, "client", limit);
    }

    /// <summary>Acquire: bad arguments, throw.</summary>
    [Fact]
    public async Task Acquire_BadArguments_Throw()
    {
        var store = CreateStore(Time);
        var limit = Limit(5, TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.AcquireAsync(null!, limit, 1, Token));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.AcquireAsync("client", null!, 1, Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.AcquireAsync("client", limit, -1, Token));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.PeekAsync(null!, limit, Token));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.ResetAsync("client", null!, Token));
        Assert.Equal(5, (await store.PeekAsync("client", limit, Token)).Remaining);
    }

    /// <summary>Acquire all: bad batches, throw and consume nothing.</summary>
    [Fact]
    public async Task AcquireAll_BadBatches_ThrowAndConsumeNothing()
    {
        var store = CreateStore(Time);
        var limit = Limit(5, TimeSpan.FromMinutes(1));
        var tooMany = Enumerable.Range(0, RateLimitStore.MaxBatchSize + 1).Select(i => new RateLimitRequest("client" + i, limit)).ToArray();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.AcquireAllAsync(Array.Empty<RateLimitRequest>(), new RateLimitDecision[1], Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.AcquireAllAsync(tooMany, new RateLimitDecision[tooMany.Length], Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.AcquireAllAsync(new[] { new RateLimitRequest("client0", limit), new RateLimitRequest("client1", limit) }, new RateLimitDecision[1], Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.AcquireAllAsync(new[] { new RateLimitRequest("client0", limit, -1) }, new RateLimitDecision[1], Token));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.AcquireAllAsync(new[] { new RateLimitRequest(null!, limit) }, new RateLimitDecision[1], Token));
        Assert.Equal(5, (await store.PeekAsync("client0", limit, Token)).Remaining);
    }

    /// <summary>Acquire all: full batch, decides every limit.</summary>
    [Fact]
    public async Task AcquireAll_FullBatch_DecidesEveryLimit()
    {
        var store = CreateStore(Time);
        var limit = Limit(5, TimeSpan.FromMinutes(1));
        var batch = Enumerable.Range(0, RateLimitStore.MaxBatchSize).Select(i => new RateLimitRequest("client" + i, limit)).ToArray();
        var decisions = new RateLimitDecision[batch.Length];

        var decisive = await store.AcquireAllAsync(batch, decisions, Token);

        Assert.True(decisive.IsAllowed);
        Assert.All(decisions, d => Assert.Equal(4, d.Remaining));
        AssertStateKept(store, "client31", limit);
    }

    /// <summary>Spends the whole limit at the current instant and returns the last admission.</summary>
    protected async Task<RateLimitDecision> Exhaust(IRateLimitStore store, string key, RateLimit limit)
    {
        RateLimitDecision last = default;
        for (var i = 0; i < limit.Capacity; i++)
        {
            last = await store.AcquireAsync(key, limit, 1, Token);
            Assert.True(last.IsAllowed, $"admission {i + 1} of {limit.Capacity} was denied");
        }

        AssertStateKept(store, key, limit);
        return last;
    }
}
