using Floodgate.Storage;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Tests.Storage;

/// <summary>
/// What the in-memory store's own table must keep true while it grows, sweeps and evicts: one state per (key, limit),
/// the cap, and no state from a peek.
/// </summary>
public sealed class InMemoryStoreStructureTests
{
    private readonly FakeTimeProvider _time = new(RateLimitStoreContract.Start);

    [Fact]
    public async Task Acquire_ManyKeysConcurrentlyWhileTheTableGrows_AdmitsExactlyTheLimitPerKeyAndLimit()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        const int keyCount = 20_000;
        const int attemptsPerKey = 5;
        var limits = new[]
        {
            new RateLimit(3, TimeSpan.FromMinutes(1)),
            new RateLimit(3, TimeSpan.FromMinutes(1), RateLimitAlgorithm.TokenBucket),
        };
        var admitted = new int[limits.Length, keyCount];

        // Four workers walk the same keys in different orders, so the first request for a key races with the others
        // while the table doubles under them.
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var attempt = 0; attempt < attemptsPerKey; attempt++)
            {
                for (var n = 0; n < keyCount; n++)
                {
                    var k = worker % 2 == 0 ? n : keyCount - 1 - n;
                    for (var l = 0; l < limits.Length; l++)
                    {
                        if (store.Acquire($"client-{k}", limits[l]).IsAllowed)
                        {
                            Interlocked.Increment(ref admitted[l, k]);
                        }
                    }
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        await Task.WhenAll(workers);

        for (var l = 0; l < limits.Length; l++)
        {
            for (var k = 0; k < keyCount; k++)
            {
                Assert.Equal(3, admitted[l, k]);
            }
        }

        Assert.Equal(keyCount * limits.Length, store.Count);
    }

    [Fact]
    public void Acquire_MoreDistinctKeysThanMaxKeys_StaysWithinTheCap()
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { MaxKeys = 1_000 }, _time);
        var limit = new RateLimit(10, TimeSpan.FromHours(1));

        for (var i = 0; i < 10_000; i++)
        {
            store.Acquire($"flood-{i}", limit);
            Assert.InRange(store.Count, 1, 1_000);
        }

        Assert.True(store.Evictions >= 9_000, $"evictions: {store.Evictions}");
        Assert.True(store.Acquire("flood-9999", limit).IsAllowed);
    }

    [Fact]
    public void Acquire_OverMaxKeys_SweepsExpiredStateBeforeEvictingLiveState()
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { MaxKeys = 100 }, _time);
        var shortLimit = new RateLimit(1, TimeSpan.FromSeconds(1));
        var longLimit = new RateLimit(1, TimeSpan.FromHours(1));
        for (var i = 0; i < 50; i++)
        {
            store.Acquire($"live-{i}", longLimit);
        }

        for (var i = 0; i < 50; i++)
        {
            store.Acquire($"short-{i}", shortLimit);
        }

        _time.Advance(TimeSpan.FromSeconds(2)); // the short states expire; the cleanup timer has not run yet
        store.Acquire("one-more", longLimit);

        Assert.Equal(0, store.Evictions);
        Assert.Equal(51, store.Count);
        Assert.False(store.Acquire("live-0", longLimit).IsAllowed); // live state kept
    }

    [Fact]
    public void CleanupTimer_RemovesExpiredState_AndTheKeyStartsAfresh()
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { CleanupInterval = TimeSpan.FromMinutes(1) }, _time);
        var limit = new RateLimit(2, TimeSpan.FromSeconds(10));
        for (var i = 0; i < 1_000; i++)
        {
            store.Acquire($"client-{i}", limit);
        }

        store.Acquire("client-0", limit);
        Assert.Equal(1_000, store.Count);

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, store.Count);
        Assert.Equal(1, store.Acquire("client-0", limit).Remaining);
    }

    [Fact]
    public void Peek_UnknownKey_CreatesNoState()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);
        var limit = new RateLimit(5, TimeSpan.FromMinutes(1));

        var standing = store.Peek("nobody", limit);

        Assert.Equal(5, standing.Remaining);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void Acquire_EqualLimitsFromDifferentInstances_ShareStateAndDifferentLimitsDoNot()
    {
        using var store = new InMemoryRateLimitStore(timeProvider: _time);

        store.Acquire("client", RateLimit.Parse("5/minute"));
        var same = store.Acquire("client", new RateLimit(5, TimeSpan.FromMinutes(1)));
        var other = store.Acquire("client", RateLimit.Parse("5/minute FixedWindow"));

        Assert.Equal(3, same.Remaining);
        Assert.Equal(4, other.Remaining);
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public async Task AcquireResetAndEviction_Concurrently_NeverLoseExactnessForUntouchedKeys()
    {
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { MaxKeys = 5_000 }, _time);
        var limit = new RateLimit(100, TimeSpan.FromHours(1));
        var hot = new RateLimit(1_000, TimeSpan.FromHours(1), RateLimitAlgorithm.Gcra);
        var admittedHot = 0;
        var token = TestContext.Current.CancellationToken;

        // Churn: distinct keys past the cap (eviction, growth) and resets, while two workers spend one hot key.
        var churn = Task.Run(() =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                store.Acquire($"churn-{i}", limit);
                if (i % 7 == 0)
                {
                    store.Reset($"churn-{i - 3}", limit);
                }
            }
        }, token);
        var spenders = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                if (store.Acquire("hot", hot).IsAllowed)
                {
                    Interlocked.Increment(ref admittedHot);
                }
            }
        }, token)).ToArray();
        await Task.WhenAll([churn, .. spenders]);

        // Eviction may forget the hot key (it is live state like any other), which can only admit more, never fewer.
        Assert.True(admittedHot >= 1_000, $"admitted {admittedHot}");
        Assert.InRange(store.Count, 1, 5_000);
    }
}
