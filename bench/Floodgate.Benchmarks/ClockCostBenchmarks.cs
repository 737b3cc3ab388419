using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Floodgate.Algorithms;
using Floodgate.Storage;

namespace Floodgate.Benchmarks;

/// <summary>
/// Where a Floodgate decision's time goes: the clock read alone (<see cref="TimeProvider.System"/>, as the store reads
/// it), and the store with a frozen clock, beside the floor and the real store. One thread; the same loop as
/// <see cref="DecisionBenchmarks"/>.
/// </summary>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class ClockCostBenchmarks
{
    private const int Operations = DecisionBenchmarks.Operations;
    private readonly List<InMemoryRateLimitStore> _stores = [];
    private DecisionLoop _loop = null!;

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations), BenchmarkCategory("1 key")]
    public long Floor_1Key() => _loop.Run(0, Operations);

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory("1 key")]
    public long ClockRead_1Key() => _loop.Run(0, Operations);

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory("1 key")]
    public long Floodgate_TokenBucket_1Key() => _loop.Run(0, Operations);

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory("1 key")]
    public long Floodgate_TokenBucketFrozenClock_1Key() => _loop.Run(0, Operations);

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations), BenchmarkCategory("100,000 keys")]
    public long Floor_100kKeys() => _loop.Run(0, Operations);

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory("100,000 keys")]
    public long Floodgate_TokenBucket_100kKeys() => _loop.Run(0, Operations);

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory("100,000 keys")]
    public long Floodgate_TokenBucketFrozenClock_100kKeys() => _loop.Run(0, Operations);

    [GlobalSetup(Target = nameof(Floor_1Key))]
    public void SetupFloor1() => _loop = Floor(1);

    [GlobalSetup(Target = nameof(Floor_100kKeys))]
    public void SetupFloorMany() => _loop = Floor(DecisionBenchmarks.ManyKeys);

    [GlobalSetup(Target = nameof(ClockRead_1Key))]
    public void SetupClock() => _loop = new DecisionLoop<ClockDecision>(DecisionBenchmarks.CreateKeys(1, out _), default);

    [GlobalSetup(Target = nameof(Floodgate_TokenBucket_1Key))]
    public void SetupStore1() => _loop = Store(1, TimeProvider.System);

    [GlobalSetup(Target = nameof(Floodgate_TokenBucketFrozenClock_1Key))]
    public void SetupFrozen1() => _loop = Store(1, new FrozenTimeProvider());

    [GlobalSetup(Target = nameof(Floodgate_TokenBucket_100kKeys))]
    public void SetupStoreMany() => _loop = Store(DecisionBenchmarks.ManyKeys, TimeProvider.System);

    [GlobalSetup(Target = nameof(Floodgate_TokenBucketFrozenClock_100kKeys))]
    public void SetupFrozenMany() => _loop = Store(DecisionBenchmarks.ManyKeys, new FrozenTimeProvider());

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
    }

    private static DecisionLoop<FloorDecision> Floor(int keyCount)
    {
        var keys = DecisionBenchmarks.CreateKeys(keyCount, out var creationOrder);
        var counters = new ConcurrentDictionary<string, long>();
        foreach (var key in creationOrder)
        {
            counters[key] = 0;
        }

        return new DecisionLoop<FloorDecision>(keys, new FloorDecision(counters));
    }

    private DecisionLoop<StoreDecision> Store(int keyCount, TimeProvider time)
    {
        var keys = DecisionBenchmarks.CreateKeys(keyCount, out var creationOrder);
        var store = new InMemoryRateLimitStore(timeProvider: time);
        _stores.Add(store);
        var limit = DecisionBenchmarks.AdmitLimit(RateLimitAlgorithm.TokenBucket);
        foreach (var key in creationOrder)
        {
            store.Acquire(key, limit);
        }

        return new DecisionLoop<StoreDecision>(keys, new StoreDecision(store, limit));
    }

    /// <summary>The clock as the store reads it: microseconds since the Unix epoch from the time provider.</summary>
    private readonly struct ClockDecision : IDecision
    {
        public bool Decide(string key) => RateLimitAlgorithms.Now(TimeProvider.System) > 0;
    }

    /// <summary>A clock that never moves: the store's cost without the clock read.</summary>
    private sealed class FrozenTimeProvider : TimeProvider
    {
        private readonly DateTimeOffset _now = System.GetUtcNow();

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
