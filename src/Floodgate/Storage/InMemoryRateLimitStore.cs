using System.Collections.Concurrent;
using Floodgate.Algorithms;

namespace Floodgate.Storage;

/// <summary>
/// Rate-limit state in this process: exact under concurrency (a lock per key, held for a few arithmetic
/// operations and never across an await), no allocation per decision for an existing key, bounded by
/// <see cref="InMemoryStoreOptions.MaxKeys"/>, and swept of expired state by a timer on the <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class InMemoryRateLimitStore : IRateLimitStore, IDisposable
{
    private readonly ConcurrentDictionary<RateLimit, Partition> _partitions = new();
    private readonly TimeProvider _timeProvider;
    private readonly int _maxKeys;
    private readonly ITimer _cleanupTimer;
    private int _count;
    private int _sweeping;
    private long _evictions;

    /// <summary>Creates a store.</summary>
    /// <param name="options">Bounds; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryRateLimitStore(InMemoryStoreOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new InMemoryStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxKeys, 1, "options.MaxKeys");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.CleanupInterval, TimeSpan.Zero, "options.CleanupInterval");
        _timeProvider = timeProvider ?? TimeProvider.System;
        _maxKeys = options.MaxKeys;
        _cleanupTimer = _timeProvider.CreateTimer(static state => ((InMemoryRateLimitStore)state!).RemoveExpired(), this, options.CleanupInterval, options.CleanupInterval);
    }

    /// <summary>The number of (key, limit) states held now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Live states forgotten because <see cref="InMemoryStoreOptions.MaxKeys"/> was reached.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <inheritdoc />
    public ValueTask<RateLimitDecision> AcquireAsync(string key, RateLimit limit, long cost = 1, CancellationToken cancellationToken = default) =>
        new(Acquire(key, limit, cost));

    /// <inheritdoc />
    public ValueTask<RateLimitDecision> PeekAsync(string key, RateLimit limit, CancellationToken cancellationToken = default) =>
        new(Peek(key, limit));

    /// <inheritdoc />
    public ValueTask ResetAsync(string key, RateLimit limit, CancellationToken cancellationToken = default)
    {
        Reset(key, limit);
        return ValueTask.CompletedTask;
    }

    /// <summary>The synchronous form of <see cref="AcquireAsync"/>.</summary>
    public RateLimitDecision Acquire(string key, RateLimit limit, long cost = 1)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        return AcquireCore(key, limit, cost);
    }

    /// <summary>The synchronous form of <see cref="PeekAsync"/>.</summary>
    public RateLimitDecision Peek(string key, RateLimit limit)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(limit);
        var now = RateLimitAlgorithms.Now(_timeProvider);
        if (!GetPartition(limit).Entries.TryGetValue(key, out var entry))
        {
            var fresh = default(AlgorithmState);
            return RateLimitAlgorithms.Peek(ref fresh, limit, now, out _);
        }

        lock (entry)
        {
            // A removed entry is as good as fresh; peeking it changes nothing.
            return RateLimitAlgorithms.Peek(ref entry.State, limit, now, out _);
        }
    }

    /// <summary>The synchronous form of <see cref="ResetAsync"/>.</summary>
    public void Reset(string key, RateLimit limit)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(limit);
        var partition = GetPartition(limit);
        if (partition.Entries.TryGetValue(key, out var entry))
        {
            Remove(partition, key, entry);
        }
    }

    /// <summary>Stops the cleanup timer.</summary>
    public void Dispose() => _cleanupTimer.Dispose();

    private RateLimitDecision AcquireCore(string key, RateLimit limit, long cost)
    {
        var partition = GetPartition(limit);
        var now = RateLimitAlgorithms.Now(_timeProvider);
        while (true)
        {
            if (!partition.Entries.TryGetValue(key, out var entry))
            {
                entry = AddEntry(partition, key, now);
            }

            lock (entry)
            {
                if (entry.Removed)
                {
                    continue; // swept between lookup and lock: take the fresh one
                }

                var decision = RateLimitAlgorithms.Decide(ref entry.State, limit, now, cost, consume: true, out var expiresAt);
                entry.ExpiresAt = expiresAt;
                return decision;
            }
        }
    }

    private Entry AddEntry(Partition partition, string key, long now)
    {
        var created = new Entry { ExpiresAt = now };
        var entry = partition.Entries.GetOrAdd(key, created);
        if (ReferenceEquals(entry, created) && Interlocked.Increment(ref _count) > _maxKeys)
        {
            Shrink(now);
        }

        return entry;
    }

    private Partition GetPartition(RateLimit limit) =>
        _partitions.TryGetValue(limit, out var partition) ? partition : _partitions.GetOrAdd(limit, static l => new Partition());

    private void RemoveExpired() => RemoveExpired(RateLimitAlgorithms.Now(_timeProvider));

    private void RemoveExpired(long now)
    {
        if (Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return;
        }

        try
        {
            SweepExpired(now);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private void SweepExpired(long now)
    {
        foreach (var partition in _partitions.Values)
        {
            foreach (var (key, entry) in partition.Entries)
            {
                if (Volatile.Read(ref entry.ExpiresAt) <= now)
                {
                    lock (entry)
                    {
                        if (entry.ExpiresAt <= now)
                        {
                            RemoveLocked(partition, key, entry);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Over the cap: sweep expired state, then forget live state until under 90 % of the cap.</summary>
    private void Shrink(long now)
    {
        if (Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return; // another thread is already making room
        }

        try
        {
            SweepExpired(now);
            var target = _maxKeys - (_maxKeys / 10);
            foreach (var partition in _partitions.Values)
            {
                foreach (var (key, entry) in partition.Entries)
                {
                    if (Volatile.Read(ref _count) <= target)
                    {
                        return;
                    }

                    if (Remove(partition, key, entry))
                    {
                        Interlocked.Increment(ref _evictions);
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private bool Remove(Partition partition, string key, Entry entry)
    {
        lock (entry)
        {
            return RemoveLocked(partition, key, entry);
        }
    }

    private bool RemoveLocked(Partition partition, string key, Entry entry)
    {
        if (entry.Removed)
        {
            return false;
        }

        entry.Removed = true;
        if (partition.Entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)))
        {
            Interlocked.Decrement(ref _count);
        }

        return true;
    }

    private sealed class Partition
    {
        public readonly ConcurrentDictionary<string, Entry> Entries = new();
    }

    private sealed class Entry
    {
        private static long s_lastId;

        /// <summary>Orders lock acquisition when a batch locks several entries, so batches never deadlock.</summary>
        public readonly long Id = Interlocked.Increment(ref s_lastId);

        public AlgorithmState State;
        public long ExpiresAt;
        public bool Removed;
    }
}
