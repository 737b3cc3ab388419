using System.Globalization;
using Floodgate.Storage;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Tests.Storage;

/// <summary>What the in-memory store promises beyond the shared contract: bounded, swept, exact under threads, allocation-free.</summary>
public sealed class InMemoryRateLimitStoreTests
{
    private readonly FakeTimeProvider _time = new(RateLimitStoreContract.Start);

    private static readonly RateLimitAlgorithm[] AllAlgorithms = Enum.GetValues<RateLimitAlgorithm>();

    public static TheoryData<RateLimitAlgorithm> Algorithms => new(AllAlgorithms);

    private static string Key(int i) => "client-" + i.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Acquire_MoreDistinctLiveKeysThanMaxKeys_StaysWithinTheCapAndCountsEvictions()
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { MaxKeys = 10_000 }, _time);
        var limit = RateLimit.Parse("5/hour");
        var peak = 0;

        for (var i = 0; i < 100_000; i++)
        {
            Assert.True(store.Acquire(Key(i), limit).IsAllowed);
            peak = Math.Max(peak, store.Count);
        }

        // Every key is live (an hour-long window), so each state gone is an eviction.
        Assert.InRange(peak, 1, 10_000);
        Assert.Equal(100_000 - store.Count, store.Evictions);
        Assert.InRange(store.Evictions, 90_000, 100_000);
        Assert.Equal(4, store.Peek(Key(99_999), limit).Remaining); // the newest key kept its state
    }

    /// <summary>The cap holds at every moment, not only once the threads stop: each thread checks the count after each decision.</summary>
    [Fact]
    public void Acquire_MoreDistinctLiveKeysThanMaxKeysFromFourThreads_NeverHoldsMoreThanTheCap()
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { MaxKeys = 10_000 }, _time);
        var limit = RateLimit.Parse("5/hour");
        var peak = 0;

        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                store.Acquire(Key((t * 25_000) + i), limit);
                var count = store.Count;
                int seen;
                while (count > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, count, seen) != seen)
                {
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        TestContext.Current.TestOutputHelper?.WriteLine($"MaxKeys 10,000, 4 threads × 25,000 keys: peak count {peak:N0}, final {store.Count:N0}, evictions {store.Evictions:N0}");
        Assert.InRange(peak, 9_000, 10_000);
        Assert.InRange(store.Count, 1, 10_000);
        // Every key is live, so each state gone is an eviction; a brand-new entry evicted before its first decision is
        // created again by its caller, so it counts as an eviction without lowering the count (a few per pass at most).
        Assert.InRange(store.Evictions, 100_000 - store.Count, 100_000 - store.Count + 1_000);
    }

    [Fact]
    public void Acquire_OverTheCapWithExpiredState_SweepsTheExpiredStateInsteadOfEvicting()
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { MaxKeys = 100, CleanupInterval = TimeSpan.FromHours(1) }, _time);
        var limit = RateLimit.Parse("5/second");
        for (var i = 0; i < 100; i++)
        {
            store.Acquire(Key(i), limit);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        store.Acquire("newcomer", limit);

        Assert.Equal(1, store.Count);
        Assert.Equal(0, store.Evictions);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void CleanupTimer_AfterTheStateExpired_SweepsEveryKey(RateLimitAlgorithm algorithm)
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { CleanupInterval = TimeSpan.FromMinutes(1) }, _time);
        var shortLived = new RateLimit(5, TimeSpan.FromSeconds(1), algorithm);
        var longLived = new RateLimit(5, TimeSpan.FromHours(1), algorithm);
        for (var i = 0; i < 1_000; i++)
        {
            store.Acquire(Key(i), shortLived, 1 + (i % 5));
        }

        store.Acquire("steady", longLived);
        Assert.Equal(1_001, store.Count);

        _time.Advance(TimeSpan.FromSeconds(59));
        var beforeTheSweep = store.Count;
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1_001, beforeTheSweep);
        Assert.Equal(1, store.Count); // only the state that still counts survives
        Assert.Equal(4, store.Peek("steady", longLived).Remaining);
        Assert.Equal(0, store.Evictions);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Acquire_KeyRecreatedAfterTheSweep_StartsFresh(RateLimitAlgorithm algorithm)
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { CleanupInterval = TimeSpan.FromMinutes(1) }, _time);
        var limit = new RateLimit(5, TimeSpan.FromSeconds(10), algorithm);
        while (store.Acquire("client", limit).IsAllowed)
        {
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        var afterSweep = store.Count;
        var recreated = store.Acquire("client", limit);

        Assert.Equal(0, afterSweep);
        Assert.True(recreated.IsAllowed);
        Assert.Equal(4, recreated.Remaining);
        Assert.Equal(1, store.Count);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Acquire_SixteenThreadsOnOneKey_AdmitExactlyTheLimitInEachWindow(RateLimitAlgorithm algorithm)
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        const int L = 1_000;
        var limit = new RateLimit(L, TimeSpan.FromMinutes(1), algorithm);
        // The sliding counter still weighs the previous window a whole window later; the others are full again after one.
        var between = algorithm == RateLimitAlgorithm.SlidingWindowCounter ? TimeSpan.FromMinutes(2) : TimeSpan.FromMinutes(1);
        var admittedPerWindow = new List<int>();

        for (var round = 0; round < 5; round++)
        {
            var admitted = 0;
            using var start = new Barrier(16);
            var threads = Enumerable.Range(0, 16).Select(_ => new Thread(() =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                for (var i = 0; i < 100; i++)
                {
                    if (store.Acquire("hot", limit).IsAllowed)
                    {
                        Interlocked.Increment(ref admitted);
                    }
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            admittedPerWindow.Add(admitted);
            _time.Advance(between);
        }

        Assert.Equal([L, L, L, L, L], admittedPerWindow);
    }

    /// <summary>A denial keeps the state until the window that denied it ends: the sweep does not forget a denied client.</summary>
    [Theory]
    [MemberData(nameof(Algorithms))]
    public void CleanupTimer_KeepsADeniedClientsState(RateLimitAlgorithm algorithm)
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { CleanupInterval = TimeSpan.FromSeconds(1) }, _time);
        var limit = new RateLimit(1, TimeSpan.FromMinutes(1), algorithm);
        Assert.True(store.Acquire("client", limit).IsAllowed);
        Assert.False(store.Acquire("client", limit).IsAllowed);

        _time.Advance(TimeSpan.FromSeconds(2)); // the sweep runs twice

        Assert.Equal(1, store.Count);
        Assert.False(store.Acquire("client", limit).IsAllowed);
    }

    /// <summary>Peeking an existing key consumes nothing and leaves the key free for the next decision.</summary>
    [Fact]
    public async Task Peek_OfAnExistingKey_LeavesItFreeForTheNextDecision()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var limit = new RateLimit(2, TimeSpan.FromMinutes(1));
        Assert.True(store.Acquire("client", limit).IsAllowed);

        Assert.Equal(1, store.Peek("client", limit).Remaining);

        // Decided on another thread, so that a key left locked fails the test instead of hanging it.
        var next = Task.Run(() => store.Acquire("client", limit), TestContext.Current.CancellationToken);
        Assert.Same(next, await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)));
        Assert.Equal(0, (await next).Remaining);
    }

    /// <summary>A request above a token bucket's capacity leaves the spent bucket's expiry where refilling ends it.</summary>
    [Fact]
    public void CleanupTimer_KeepsASpentBucket_AfterARequestAboveItsCapacity()
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { CleanupInterval = TimeSpan.FromSeconds(1) }, _time);
        var limit = new RateLimit(2, TimeSpan.FromMinutes(1), RateLimitAlgorithm.TokenBucket);
        Assert.True(store.Acquire("client", limit).IsAllowed);
        Assert.True(store.Acquire("client", limit).IsAllowed);
        Assert.Equal(RateLimitDenialReason.CostExceedsLimit, store.Acquire("client", limit, 3).Reason);

        _time.Advance(TimeSpan.FromSeconds(2)); // the sweep runs twice; a fifteenth of a token refilled

        Assert.Equal(1, store.Count);
        Assert.False(store.Acquire("client", limit).IsAllowed);
    }

    [Fact]
    public void Acquire_Misuse_Throws()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var limit = RateLimit.Parse("5/minute");

        Assert.Throws<ArgumentNullException>(() => store.Acquire(null!, limit));
        Assert.Throws<ArgumentNullException>(() => store.Acquire("client", null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Acquire("client", limit, -1));
        Assert.Throws<ArgumentNullException>(() => store.Peek(null!, limit));
        Assert.Throws<ArgumentNullException>(() => store.Reset("client", null!));
        Assert.Throws<ArgumentNullException>(() => store.Reset(null!, limit));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task AcquireAsync_Misuse_Throws()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var limit = RateLimit.Parse("5/minute");

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.AcquireAsync(null!, limit));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.AcquireAsync("client", null!));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.AcquireAsync("client", limit, -1));
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryRateLimitStore(new InMemoryStoreOptions { MaxKeys = 0 }, _time));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryRateLimitStore(new InMemoryStoreOptions { CleanupInterval = TimeSpan.Zero }, _time));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task PeekAsync_UnknownKey_ReportsTheFullLimitAndCreatesNoState(RateLimitAlgorithm algorithm)
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var limit = new RateLimit(5, TimeSpan.FromMinutes(1), algorithm);

        var standing = await store.PeekAsync("stranger", limit, TestContext.Current.CancellationToken);

        Assert.True(standing.IsAllowed);
        Assert.Equal(5, standing.Remaining);
        Assert.Equal(TimeSpan.Zero, standing.ResetAfter);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void Reset_ForgetsTheStateAndItsCount()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var limit = RateLimit.Parse("5/minute");
        store.Acquire("a", limit);
        store.Acquire("b", limit);

        store.Reset("a", limit);
        store.Reset("never-seen", limit);

        Assert.Equal(1, store.Count);
        Assert.Equal(0, store.Evictions);
    }

    [Fact]
    public void Dispose_StopsTheCleanupTimer()
    {
        var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { CleanupInterval = TimeSpan.FromMinutes(1) }, _time);
        store.Acquire("client", RateLimit.Parse("5/second"));

        store.Dispose();
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(1, store.Count);
    }

    /// <summary>
    /// The store reads the clock before it takes the key's lock, so a caller that read the clock just before a window
    /// boundary can decide after callers that read it just after. Reproduced deterministically: the stale caller blocks
    /// inside its clock read until the others are done.
    /// </summary>
    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Acquire_ClockReadBeforeABoundaryButDecidedAfterIt_DoesNotReopenTheWindow(RateLimitAlgorithm algorithm)
    {
        var clock = new StallingClock(_time);
        using var store = new InMemoryRateLimitStore(timeProvider: clock);
        var limit = new RateLimit(3, TimeSpan.FromMinutes(1), algorithm);
        _time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(10)); // 1 µs before a boundary
        var staleAdmitted = false;

        var stale = new Thread(() => staleAdmitted = store.Acquire("client", limit).IsAllowed);
        clock.StallNextReadOn(stale);
        stale.Start();
        clock.WaitUntilStalled(TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromTicks(20)); // 1 µs after the boundary
        var fresh = Enumerable.Range(0, 3).Count(_ => store.Acquire("client", limit).IsAllowed);
        clock.Release();
        stale.Join();
        var afterwards = Enumerable.Range(0, 3).Count(_ => store.Acquire("client", limit).IsAllowed);

        Assert.Equal(3, fresh);
        Assert.False(staleAdmitted);
        Assert.Equal(0, afterwards);
    }

    /// <summary>A clock that, on one chosen thread, returns the time and then holds the caller until released.</summary>
    private sealed class StallingClock(FakeTimeProvider inner) : TimeProvider
    {
        private readonly ManualResetEventSlim _stalled = new();
        private readonly ManualResetEventSlim _released = new();
        private Thread? _victim;

        public void StallNextReadOn(Thread thread) => _victim = thread;

        public void WaitUntilStalled(CancellationToken cancellationToken) => _stalled.Wait(cancellationToken);

        public void Release() => _released.Set();

        public override DateTimeOffset GetUtcNow()
        {
            var now = inner.GetUtcNow();
            if (ReferenceEquals(Thread.CurrentThread, _victim))
            {
                _victim = null;
                _stalled.Set();
                _released.Wait(TestContext.Current.CancellationToken);
            }

            return now;
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }
}
