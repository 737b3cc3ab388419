using System.Numerics;
using System.Runtime.CompilerServices;
using Floodgate.Algorithms;

namespace Floodgate.Storage;

/// <summary>
/// Rate-limit state in this process: exact under concurrency (a lock per key, held for a few arithmetic
/// operations and never across an await), no allocation per decision for an existing key, bounded by
/// <see cref="InMemoryStoreOptions.MaxKeys"/>, and swept of expired state by a timer on the <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// <para>The state lives in one hash table keyed by (key, limit) whose entries are the chain nodes themselves, so a
/// decision costs one hash of the key, one lookup that takes no lock, and one spin lock on the entry: no second
/// lookup per limit, no separate node to chase, no monitor.</para>
/// <para>Readers never lock. Writers (a new key, a removal, a resize) take one of a fixed set of stripe locks chosen by
/// the hash; a resize takes them all. A lock-free reader can miss a key while the table is being resized or relinked;
/// it then takes the writer's path, which looks again under the stripe lock before adding anything, so a key never
/// gets two entries. Invariant: under its stripe lock, an entry is linked in the current table exactly when it is not
/// <see cref="Entry.Removed"/>.</para>
/// </remarks>
public sealed partial class InMemoryRateLimitStore : RateLimitStore, IDisposable
{
    private const int MaxBuckets = 1 << 30;

    private readonly Lock[] _stripes;
    private readonly TimeProvider _timeProvider;
    private readonly int _maxKeys;
    private readonly ITimer _cleanupTimer;
    private volatile Entry?[] _buckets;
    private int _count;
    private int _sweeping;
    private int _evictionCursor;
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
        _stripes = new Lock[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, Environment.ProcessorCount * 4))];
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Lock();
        }

        _buckets = new Entry?[_stripes.Length];
        _cleanupTimer = _timeProvider.CreateTimer(static state => ((InMemoryRateLimitStore)state!).RemoveExpired(), this, options.CleanupInterval, options.CleanupInterval);
    }

    /// <summary>The number of (key, limit) states held now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Live states forgotten because <see cref="InMemoryStoreOptions.MaxKeys"/> was reached.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <inheritdoc />
    protected override ValueTask<RateLimitDecision> AcquireCoreAsync(string key, RateLimit limit, long cost, CancellationToken cancellationToken) =>
        new(AcquireCore(key, limit, cost));

    /// <inheritdoc />
    protected override ValueTask<RateLimitDecision> PeekCoreAsync(string key, RateLimit limit, CancellationToken cancellationToken) =>
        new(PeekCore(key, limit));

    /// <inheritdoc />
    protected override ValueTask ResetCoreAsync(string key, RateLimit limit, CancellationToken cancellationToken)
    {
        ResetCore(key, limit);
        return ValueTask.CompletedTask;
    }

    /// <summary>The synchronous form of <see cref="RateLimitStore.AcquireAsync"/>.</summary>
    public RateLimitDecision Acquire(string key, RateLimit limit, long cost = 1)
    {
        ThrowIfInvalid(key, limit, cost);
        return AcquireCore(key, limit, cost);
    }

    /// <summary>The synchronous form of <see cref="RateLimitStore.PeekAsync"/>.</summary>
    public RateLimitDecision Peek(string key, RateLimit limit)
    {
        ThrowIfInvalid(key, limit);
        return PeekCore(key, limit);
    }

    private RateLimitDecision PeekCore(string key, RateLimit limit)
    {
        var now = RateLimitAlgorithms.Now(_timeProvider);
        var entry = FindExact(key, limit, Hash(key, limit));
        if (entry is null)
        {
            var fresh = default(AlgorithmState);
            return RateLimitAlgorithms.Peek(ref fresh, limit, now, out _);
        }

        entry.Enter();
        try
        {
            // A removed entry is as good as fresh; peeking it changes nothing.
            return RateLimitAlgorithms.Peek(ref entry.State, limit, now, out _);
        }
        finally
        {
            entry.Exit();
        }
    }

    /// <summary>The synchronous form of <see cref="RateLimitStore.ResetAsync"/>.</summary>
    public void Reset(string key, RateLimit limit)
    {
        ThrowIfInvalid(key, limit);
        ResetCore(key, limit);
    }

    private void ResetCore(string key, RateLimit limit)
    {
        if (FindExact(key, limit, Hash(key, limit)) is { } entry)
        {
            Remove(entry, expiredBy: long.MaxValue);
        }
    }

    /// <summary>Stops the cleanup timer.</summary>
    public void Dispose() => _cleanupTimer.Dispose();

    private RateLimitDecision AcquireCore(string key, RateLimit limit, long cost)
    {
        var hash = Hash(key, limit);
        var now = RateLimitAlgorithms.Now(_timeProvider);
        while (true)
        {
            var entry = Find(key, limit, hash) ?? Add(key, limit, hash, now);
            entry.Enter();
            try
            {
                if (entry.Removed)
                {
                    continue; // swept between lookup and lock: take the fresh one
                }

                var decision = RateLimitAlgorithms.Decide(ref entry.State, limit, now, cost, consume: true, out var expiresAt);
                Volatile.Write(ref entry.ExpiresAt, expiresAt);
                return decision;
            }
            finally
            {
                entry.Exit();
            }
        }
    }

    /// <summary>The key's string hash (randomised per process, so clients cannot aim at one chain) mixed with the limit's.</summary>
    private static int Hash(string key, RateLimit limit) => key.GetHashCode() ^ limit.GetHashCode();

    /// <summary>Looks up without locking; may miss an entry that a concurrent resize is relinking (the writer's path looks again).</summary>
    private Entry? Find(string key, RateLimit limit, int hash)
    {
        var buckets = _buckets;
        for (var entry = Volatile.Read(ref buckets[hash & (buckets.Length - 1)]); entry is not null; entry = Volatile.Read(ref entry.Next))
        {
            if (entry.Matches(key, limit, hash))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>Looks up without locking and, on a miss, again under the stripe lock: never misses a linked entry.</summary>
    private Entry? FindExact(string key, RateLimit limit, int hash)
    {
        if (Find(key, limit, hash) is { } found)
        {
            return found;
        }

        lock (StripeOf(hash))
        {
            var buckets = _buckets;
            for (var entry = buckets[hash & (buckets.Length - 1)]; entry is not null; entry = entry.Next)
            {
                if (entry.Matches(key, limit, hash))
                {
                    return entry;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Links a new entry, or returns the one another thread linked first. A slot under the cap is reserved before the
    /// entry is linked, so the count never exceeds <see cref="InMemoryStoreOptions.MaxKeys"/>, however many threads add
    /// at once; a caller that finds the store full makes room itself, or waits while another thread makes it.
    /// </summary>
    private Entry Add(string key, RateLimit limit, int hash, long now)
    {
        while (true)
        {
            Entry? created = null;
            lock (StripeOf(hash))
            {
                var buckets = _buckets; // stable: a resize needs this stripe too
                ref var head = ref buckets[hash & (buckets.Length - 1)];
                for (var entry = head; entry is not null; entry = entry.Next)
                {
                    if (entry.Matches(key, limit, hash))
                    {
                        return entry;
                    }
                }

                if (TryReserve())
                {
                    created = new Entry(key, limit, hash) { ExpiresAt = now, Next = head };
                    Volatile.Write(ref head, created);
                }
            }

            if (created is null)
            {
                MakeRoom(now); // outside the stripe lock: removals take stripe locks
                continue;
            }

            if (Volatile.Read(ref _count) > _buckets.Length)
            {
                Grow();
            }

            return created;
        }
    }

    /// <summary>Takes one slot under the cap; <see langword="false"/> when the store is full.</summary>
    private bool TryReserve()
    {
        var count = Volatile.Read(ref _count);
        while (count < _maxKeys)
        {
            var seen = Interlocked.CompareExchange(ref _count, count + 1, count);
            if (seen == count)
            {
                return true;
            }

            count = seen;
        }

        return false;
    }

    /// <summary>The store is full: shrink it, or, while another thread is sweeping or shrinking, let that thread run.</summary>
    private void MakeRoom(long now)
    {
        if (!Shrink(now))
        {
            Thread.Yield();
        }
    }

    private Lock StripeOf(int hash) => _stripes[hash & (_stripes.Length - 1)];

    /// <summary>Doubles the bucket array under every stripe lock, relinking the entries (no entry is copied).</summary>
    private void Grow()
    {
        var taken = 0;
        try
        {
            for (; taken < _stripes.Length; taken++)
            {
                _stripes[taken].Enter();
            }

            var old = _buckets;
            if (Volatile.Read(ref _count) <= old.Length || old.Length >= MaxBuckets)
            {
                return; // another thread grew it first
            }

            var grown = new Entry?[old.Length * 2];
            var mask = grown.Length - 1;
            foreach (var first in old)
            {
                for (var entry = first; entry is not null;)
                {
                    var next = entry.Next;
                    ref var head = ref grown[entry.Hash & mask];
                    entry.Next = head;
                    head = entry;
                    entry = next;
                }
            }

            _buckets = grown;
        }
        finally
        {
            for (var i = taken - 1; i >= 0; i--)
            {
                _stripes[i].Exit();
            }
        }
    }

    /// <summary>
    /// Unlinks <paramref name="entry"/> if it is still linked and its state has expired by <paramref name="expiredBy"/>
    /// (<see cref="long.MaxValue"/>: unconditionally). Returns whether this call removed it.
    /// </summary>
    private bool Remove(Entry entry, long expiredBy)
    {
        lock (StripeOf(entry.Hash))
        {
            var buckets = _buckets;
            ref var link = ref buckets[entry.Hash & (buckets.Length - 1)];
            while (link is not null && !ReferenceEquals(link, entry))
            {
                link = ref link.Next;
            }

            if (link is null)
            {
                return false; // already removed
            }

            entry.Enter();
            try
            {
                if (expiredBy != long.MaxValue && entry.ExpiresAt > expiredBy)
                {
                    return false; // used again since the sweep looked at it
                }

                entry.Removed = true;
            }
            finally
            {
                entry.Exit();
            }

            Volatile.Write(ref link, entry.Next); // a reader standing on the entry still reaches the rest of the chain
            Interlocked.Decrement(ref _count);
            return true;
        }
    }

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
        var buckets = _buckets;
        for (var i = 0; i < buckets.Length; i++)
        {
            for (var entry = Volatile.Read(ref buckets[i]); entry is not null;)
            {
                var next = Volatile.Read(ref entry.Next); // read before a removal relinks around it
                if (Volatile.Read(ref entry.ExpiresAt) <= now)
                {
                    Remove(entry, expiredBy: now);
                }

                entry = next;
            }
        }
    }

    /// <summary>
    /// At the cap: sweep expired state, then forget live state until under 90 % of the cap (at least one slot free).
    /// <see langword="false"/> when another thread holds the sweep and this call did nothing.
    /// </summary>
    private bool Shrink(long now)
    {
        if (Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return false; // another thread is already making room
        }

        try
        {
            SweepExpired(now);
            var target = _maxKeys - Math.Max(1, _maxKeys / 10);
            var buckets = _buckets;
            var mask = buckets.Length - 1;

            // Evict bucket by bucket from where the last eviction stopped, so no region of the table is always first.
            var start = _evictionCursor & mask;
            for (var step = 0; step < buckets.Length && Volatile.Read(ref _count) > target; step++)
            {
                var index = (start + step) & mask;
                for (var entry = Volatile.Read(ref buckets[index]); entry is not null && Volatile.Read(ref _count) > target;)
                {
                    var next = Volatile.Read(ref entry.Next);
                    if (Remove(entry, expiredBy: long.MaxValue))
                    {
                        Interlocked.Increment(ref _evictions);
                    }

                    entry = next;
                }

                _evictionCursor = index + 1;
            }

            return true;
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    /// <summary>The state of one key under one limit, and its link in the bucket chain.</summary>
    private sealed class Entry(string key, RateLimit limit, int hash)
    {
        private static long s_lastId;

        public readonly string Key = key;
        public readonly RateLimit Limit = limit;
        public readonly int Hash = hash;

        /// <summary>Orders lock acquisition when a batch locks several entries, so batches never deadlock.</summary>
        public readonly long Id = Interlocked.Increment(ref s_lastId);

        /// <summary>The next entry in the chain; written under the stripe lock, read without it.</summary>
        public Entry? Next;

        public AlgorithmState State;
        public long ExpiresAt;
        public bool Removed;

        /// <summary>0 free, 1 held: guards <see cref="State"/>, <see cref="ExpiresAt"/> and <see cref="Removed"/>.</summary>
        private int _gate;

        public bool Matches(string key, RateLimit limit, int hash) =>
            Hash == hash && (ReferenceEquals(Limit, limit) || Limit.Equals(limit)) && (ReferenceEquals(Key, key) || string.Equals(Key, key, StringComparison.Ordinal));

        /// <summary>Takes the entry's spin lock: held for one decision (no await, no I/O), so spinning beats a monitor.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Enter()
        {
            if (Interlocked.CompareExchange(ref _gate, 1, 0) != 0)
            {
                EnterContended();
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Exit() => Volatile.Write(ref _gate, 0);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void EnterContended()
        {
            var spinner = default(SpinWait);
            do
            {
                spinner.SpinOnce(); // spins, then yields, then sleeps: a preempted holder still gets the core back
            }
            while (Volatile.Read(ref _gate) != 0 || Interlocked.CompareExchange(ref _gate, 1, 0) != 0);
        }
    }
}
