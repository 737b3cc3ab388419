using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Floodgate.Storage;

namespace Floodgate.Benchmarks;

/// <summary>
/// One decision per operation: Floodgate's in-memory store (five algorithms, and the async entry point on one),
/// the built-in limiters of System.Threading.RateLimiting, and the floor — one <see cref="ConcurrentDictionary{TKey,TValue}"/>
/// lookup and in-place update per key.
/// </summary>
/// <remarks>
/// <para>Every invocation makes <see cref="Operations"/> decisions. With one thread the benchmark thread makes them all;
/// with two, a dedicated worker makes half of them concurrently with the other half (<see cref="SecondThread"/>) and
/// <c>OperationsPerInvoke</c> divides the wall time by all of them: the figure is wall time per decision with two
/// threads deciding, so perfect scaling would halve it.</para>
/// <para>Keys are created in one order and cycled in a shuffled one, so the 100,000-key cases touch memory the way
/// scattered clients do, not in allocation order. With two threads each starts half the key array apart.</para>
/// <para>Admission cases use a limit no run can exhaust (10⁹ per day; for the sliding log, whose state is one
/// timestamp per admitted request, 10⁹ per millisecond so its ring stays at its steady size); a run throws if a
/// single decision goes the other way. Denial cases use 1 per day, spent in the setup.</para>
/// </remarks>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class DecisionBenchmarks
{
    public const int Operations = 100_000;
    public const int ManyKeys = 100_000;

    private const string OneKey = "1 key";
    private const string HundredThousandKeys = "100,000 keys";
    private const string OneKeyDenied = "1 key, denied";

    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static readonly TokenBucketRateLimiterOptions AdmitTokenBucket = new()
    {
        TokenLimit = int.MaxValue, TokensPerPeriod = int.MaxValue, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0,
    };

    private static readonly SlidingWindowRateLimiterOptions AdmitSlidingWindow = new()
    {
        PermitLimit = int.MaxValue, Window = Day, SegmentsPerWindow = 2, QueueLimit = 0,
    };

    private static readonly FixedWindowRateLimiterOptions AdmitFixedWindow = new()
    {
        PermitLimit = int.MaxValue, Window = Day, QueueLimit = 0,
    };

    private static readonly TokenBucketRateLimiterOptions DenyTokenBucket = new()
    {
        TokenLimit = 1, TokensPerPeriod = 1, ReplenishmentPeriod = Day, QueueLimit = 0,
    };

    private static readonly SlidingWindowRateLimiterOptions DenySlidingWindow = new()
    {
        PermitLimit = 1, Window = Day, SegmentsPerWindow = 2, QueueLimit = 0,
    };

    private static readonly FixedWindowRateLimiterOptions DenyFixedWindow = new()
    {
        PermitLimit = 1, Window = Day, QueueLimit = 0,
    };

    private readonly List<IDisposable> _disposables = [];
    private DecisionLoop _loop = null!;
    private SecondThread? _second;
    private bool _expectAdmitted;

    [Params(1, 2)]
    public int Threads { get; set; }

    // ---- one hot key, every decision admitted ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long Floor_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long Floodgate_SlidingWindowCounter_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long Floodgate_SlidingWindowCounter_Async_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long Floodgate_SlidingWindowLog_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long Floodgate_TokenBucket_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long Floodgate_FixedWindow_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long Floodgate_Gcra_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long BuiltIn_TokenBucket_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long BuiltIn_SlidingWindow_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long BuiltIn_FixedWindow_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long Partitioned_TokenBucket_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long Partitioned_SlidingWindow_1Key() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKey)]
    public long Partitioned_FixedWindow_1Key() => Run();

    // ---- 100,000 keys, every decision admitted ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations), BenchmarkCategory(HundredThousandKeys)]
    public long Floor_100kKeys() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(HundredThousandKeys)]
    public long Floodgate_SlidingWindowCounter_100kKeys() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(HundredThousandKeys)]
    public long Floodgate_SlidingWindowCounter_Async_100kKeys() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(HundredThousandKeys)]
    public long Floodgate_SlidingWindowLog_100kKeys() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(HundredThousandKeys)]
    public long Floodgate_TokenBucket_100kKeys() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(HundredThousandKeys)]
    public long Floodgate_FixedWindow_100kKeys() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(HundredThousandKeys)]
    public long Floodgate_Gcra_100kKeys() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(HundredThousandKeys)]
    public long Partitioned_TokenBucket_100kKeys() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(HundredThousandKeys)]
    public long Partitioned_SlidingWindow_100kKeys() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(HundredThousandKeys)]
    public long Partitioned_FixedWindow_100kKeys() => Run();

    // ---- one hot key, every decision denied ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long Floor_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long Floodgate_SlidingWindowCounter_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long Floodgate_SlidingWindowLog_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long Floodgate_TokenBucket_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long Floodgate_FixedWindow_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long Floodgate_Gcra_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long BuiltIn_TokenBucket_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long BuiltIn_SlidingWindow_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long BuiltIn_FixedWindow_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long Partitioned_TokenBucket_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long Partitioned_SlidingWindow_Denied() => Run();

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory(OneKeyDenied)]
    public long Partitioned_FixedWindow_Denied() => Run();

    // ---- setups: each case builds only what it measures ----

    [GlobalSetup(Targets = [nameof(Floor_1Key), nameof(Floor_Denied)])]
    public void SetupFloor1() => Use(Floor(1), admit: true);

    [GlobalSetup(Target = nameof(Floor_100kKeys))]
    public void SetupFloorMany() => Use(Floor(ManyKeys), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_SlidingWindowCounter_1Key))]
    public void SetupSwc1() => Use(Store(RateLimitAlgorithm.SlidingWindowCounter, 1, admit: true, async: false), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_SlidingWindowCounter_Async_1Key))]
    public void SetupSwcAsync1() => Use(Store(RateLimitAlgorithm.SlidingWindowCounter, 1, admit: true, async: true), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_SlidingWindowLog_1Key))]
    public void SetupSwl1() => Use(Store(RateLimitAlgorithm.SlidingWindowLog, 1, admit: true, async: false), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_TokenBucket_1Key))]
    public void SetupTb1() => Use(Store(RateLimitAlgorithm.TokenBucket, 1, admit: true, async: false), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_FixedWindow_1Key))]
    public void SetupFw1() => Use(Store(RateLimitAlgorithm.FixedWindow, 1, admit: true, async: false), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_Gcra_1Key))]
    public void SetupGcra1() => Use(Store(RateLimitAlgorithm.Gcra, 1, admit: true, async: false), admit: true);

    [GlobalSetup(Target = nameof(BuiltIn_TokenBucket_1Key))]
    public void SetupBuiltInTb1() => Use(Single(new TokenBucketRateLimiter(AdmitTokenBucket), admit: true), admit: true);

    [GlobalSetup(Target = nameof(BuiltIn_SlidingWindow_1Key))]
    public void SetupBuiltInSw1() => Use(Single(new SlidingWindowRateLimiter(AdmitSlidingWindow), admit: true), admit: true);

    [GlobalSetup(Target = nameof(BuiltIn_FixedWindow_1Key))]
    public void SetupBuiltInFw1() => Use(Single(new FixedWindowRateLimiter(AdmitFixedWindow), admit: true), admit: true);

    [GlobalSetup(Target = nameof(Partitioned_TokenBucket_1Key))]
    public void SetupPartitionedTb1() => Use(Partitioned(PartitionedTokenBucket(admit: true), 1), admit: true);

    [GlobalSetup(Target = nameof(Partitioned_SlidingWindow_1Key))]
    public void SetupPartitionedSw1() => Use(Partitioned(PartitionedSlidingWindow(admit: true), 1), admit: true);

    [GlobalSetup(Target = nameof(Partitioned_FixedWindow_1Key))]
    public void SetupPartitionedFw1() => Use(Partitioned(PartitionedFixedWindow(admit: true), 1), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_SlidingWindowCounter_100kKeys))]
    public void SetupSwcMany() => Use(Store(RateLimitAlgorithm.SlidingWindowCounter, ManyKeys, admit: true, async: false), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_SlidingWindowCounter_Async_100kKeys))]
    public void SetupSwcAsyncMany() => Use(Store(RateLimitAlgorithm.SlidingWindowCounter, ManyKeys, admit: true, async: true), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_SlidingWindowLog_100kKeys))]
    public void SetupSwlMany() => Use(Store(RateLimitAlgorithm.SlidingWindowLog, ManyKeys, admit: true, async: false), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_TokenBucket_100kKeys))]
    public void SetupTbMany() => Use(Store(RateLimitAlgorithm.TokenBucket, ManyKeys, admit: true, async: false), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_FixedWindow_100kKeys))]
    public void SetupFwMany() => Use(Store(RateLimitAlgorithm.FixedWindow, ManyKeys, admit: true, async: false), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_Gcra_100kKeys))]
    public void SetupGcraMany() => Use(Store(RateLimitAlgorithm.Gcra, ManyKeys, admit: true, async: false), admit: true);

    [GlobalSetup(Target = nameof(Partitioned_TokenBucket_100kKeys))]
    public void SetupPartitionedTbMany() => Use(Partitioned(PartitionedTokenBucket(admit: true), ManyKeys), admit: true);

    [GlobalSetup(Target = nameof(Partitioned_SlidingWindow_100kKeys))]
    public void SetupPartitionedSwMany() => Use(Partitioned(PartitionedSlidingWindow(admit: true), ManyKeys), admit: true);

    [GlobalSetup(Target = nameof(Partitioned_FixedWindow_100kKeys))]
    public void SetupPartitionedFwMany() => Use(Partitioned(PartitionedFixedWindow(admit: true), ManyKeys), admit: true);

    [GlobalSetup(Target = nameof(Floodgate_SlidingWindowCounter_Denied))]
    public void SetupSwcDenied() => Use(Store(RateLimitAlgorithm.SlidingWindowCounter, 1, admit: false, async: false), admit: false);

    [GlobalSetup(Target = nameof(Floodgate_SlidingWindowLog_Denied))]
    public void SetupSwlDenied() => Use(Store(RateLimitAlgorithm.SlidingWindowLog, 1, admit: false, async: false), admit: false);

    [GlobalSetup(Target = nameof(Floodgate_TokenBucket_Denied))]
    public void SetupTbDenied() => Use(Store(RateLimitAlgorithm.TokenBucket, 1, admit: false, async: false), admit: false);

    [GlobalSetup(Target = nameof(Floodgate_FixedWindow_Denied))]
    public void SetupFwDenied() => Use(Store(RateLimitAlgorithm.FixedWindow, 1, admit: false, async: false), admit: false);

    [GlobalSetup(Target = nameof(Floodgate_Gcra_Denied))]
    public void SetupGcraDenied() => Use(Store(RateLimitAlgorithm.Gcra, 1, admit: false, async: false), admit: false);

    [GlobalSetup(Target = nameof(BuiltIn_TokenBucket_Denied))]
    public void SetupBuiltInTbDenied() => Use(Single(new TokenBucketRateLimiter(DenyTokenBucket), admit: false), admit: false);

    [GlobalSetup(Target = nameof(BuiltIn_SlidingWindow_Denied))]
    public void SetupBuiltInSwDenied() => Use(Single(new SlidingWindowRateLimiter(DenySlidingWindow), admit: false), admit: false);

    [GlobalSetup(Target = nameof(BuiltIn_FixedWindow_Denied))]
    public void SetupBuiltInFwDenied() => Use(Single(new FixedWindowRateLimiter(DenyFixedWindow), admit: false), admit: false);

    [GlobalSetup(Target = nameof(Partitioned_TokenBucket_Denied))]
    public void SetupPartitionedTbDenied() => Use(Partitioned(PartitionedTokenBucket(admit: false), 1), admit: false);

    [GlobalSetup(Target = nameof(Partitioned_SlidingWindow_Denied))]
    public void SetupPartitionedSwDenied() => Use(Partitioned(PartitionedSlidingWindow(admit: false), 1), admit: false);

    [GlobalSetup(Target = nameof(Partitioned_FixedWindow_Denied))]
    public void SetupPartitionedFwDenied() => Use(Partitioned(PartitionedFixedWindow(admit: false), 1), admit: false);

    [GlobalCleanup]
    public void Cleanup()
    {
        _second?.Dispose();
        _second = null;
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        _disposables.Clear();
    }

    /// <summary>The keys a case cycles through: created in one order, returned shuffled (fixed seed).</summary>
    internal static string[] CreateKeys(int count, out string[] creationOrder)
    {
        creationOrder = count == 1
            ? ["client-hot"]
            : Enumerable.Range(0, count).Select(static i => $"client-{i:D7}").ToArray();
        var shuffled = (string[])creationOrder.Clone();
        new Random(20260101).Shuffle(shuffled);
        return shuffled;
    }

    internal static RateLimit AdmitLimit(RateLimitAlgorithm algorithm) => algorithm == RateLimitAlgorithm.SlidingWindowLog
        ? new RateLimit(RateLimit.MaxCount, TimeSpan.FromMilliseconds(1), algorithm)
        : new RateLimit(RateLimit.MaxCount, Day, algorithm);

    private long Run()
    {
        long admitted;
        if (_second is null)
        {
            admitted = _loop.Run(0, Operations);
        }
        else
        {
            _second.Start(_loop, _loop.Keys.Length / 2, Operations / 2);
            admitted = _loop.Run(0, Operations / 2) + _second.Join();
        }

        if (admitted != (_expectAdmitted ? Operations : 0))
        {
            throw new InvalidOperationException($"Expected every decision to be {(_expectAdmitted ? "admitted" : "denied")}, but {admitted} of {Operations} were admitted.");
        }

        return admitted;
    }

    private void Use(DecisionLoop loop, bool admit)
    {
        _loop = loop;
        _expectAdmitted = admit;
        _second = Threads == 2 ? new SecondThread() : null;

        // Tier the loop up before BenchmarkDotNet's jitting stage times it: that first timing sizes the iterations,
        // and a cold one leaves the two-thread cases with iterations far shorter than asked for.
        for (var i = 0; i < 3; i++)
        {
            Run();
        }
    }

    private static DecisionLoop<FloorDecision> Floor(int keyCount)
    {
        var keys = CreateKeys(keyCount, out var creationOrder);
        var counters = new ConcurrentDictionary<string, long>();
        foreach (var key in creationOrder)
        {
            counters[key] = 0;
        }

        return new DecisionLoop<FloorDecision>(keys, new FloorDecision(counters));
    }

    private DecisionLoop Store(RateLimitAlgorithm algorithm, int keyCount, bool admit, bool async)
    {
        var keys = CreateKeys(keyCount, out var creationOrder);
        var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { MaxKeys = 1_000_000 });
        _disposables.Add(store);
        var limit = admit ? AdmitLimit(algorithm) : new RateLimit(1, Day, algorithm);
        foreach (var key in creationOrder)
        {
            store.Acquire(key, limit); // creates the state; for the denial cases, spends the only unit
        }

        return async
            ? new DecisionLoop<StoreAsyncDecision>(keys, new StoreAsyncDecision(store, limit))
            : new DecisionLoop<StoreDecision>(keys, new StoreDecision(store, limit));
    }

    private DecisionLoop<LimiterDecision> Single(RateLimiter limiter, bool admit)
    {
        _disposables.Add(limiter);
        if (!admit)
        {
            limiter.AttemptAcquire(1).Dispose(); // spends the only permit
        }

        return new DecisionLoop<LimiterDecision>(CreateKeys(1, out _), new LimiterDecision(limiter));
    }

    private DecisionLoop<PartitionedDecision> Partitioned(PartitionedRateLimiter<string> limiter, int keyCount)
    {
        _disposables.Add(limiter);
        var keys = CreateKeys(keyCount, out var creationOrder);
        foreach (var key in creationOrder)
        {
            var lease = limiter.AttemptAcquire(key, 1); // creates the partition; for the denial cases, spends the only permit
            lease.Dispose();
        }

        return new DecisionLoop<PartitionedDecision>(keys, new PartitionedDecision(limiter));
    }

    // The partition factories are written as the documentation shows them, with static lambdas so that the
    // benchmark's own code allocates nothing per call; what remains is the built-in limiter's own cost.
    private static PartitionedRateLimiter<string> PartitionedTokenBucket(bool admit) => admit
        ? PartitionedRateLimiter.Create<string, string>(static key => RateLimitPartition.GetTokenBucketLimiter(key, static _ => AdmitTokenBucket))
        : PartitionedRateLimiter.Create<string, string>(static key => RateLimitPartition.GetTokenBucketLimiter(key, static _ => DenyTokenBucket));

    private static PartitionedRateLimiter<string> PartitionedSlidingWindow(bool admit) => admit
        ? PartitionedRateLimiter.Create<string, string>(static key => RateLimitPartition.GetSlidingWindowLimiter(key, static _ => AdmitSlidingWindow))
        : PartitionedRateLimiter.Create<string, string>(static key => RateLimitPartition.GetSlidingWindowLimiter(key, static _ => DenySlidingWindow));

    private static PartitionedRateLimiter<string> PartitionedFixedWindow(bool admit) => admit
        ? PartitionedRateLimiter.Create<string, string>(static key => RateLimitPartition.GetFixedWindowLimiter(key, static _ => AdmitFixedWindow))
        : PartitionedRateLimiter.Create<string, string>(static key => RateLimitPartition.GetFixedWindowLimiter(key, static _ => DenyFixedWindow));
}
