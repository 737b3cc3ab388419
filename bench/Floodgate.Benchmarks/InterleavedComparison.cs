using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.RateLimiting;
using Floodgate.Algorithms;
using Floodgate.Storage;

namespace Floodgate.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Floodgate.Benchmarks -- interleaved</c>: the single-thread comparison
/// again, but with every subject measured once per round, round after round, in one process. BenchmarkDotNet
/// measures one case after another, so on a shared machine a burst of someone else's build lands on some cases and
/// not on others; here a burst lands on one round of every subject, and ratios taken within a round and then
/// medianed over the rounds cancel most of it.
/// </summary>
internal static class InterleavedComparison
{
    private const int Rounds = 9;

    public static int Run()
    {
        Console.WriteLine($"Interleaved comparison, one thread, {Rounds} rounds, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"Load average at start: {LoadAverage()}");
        Scenario("1 key", 1, operations: 1_000_000);
        Scenario("100,000 keys", DecisionBenchmarks.ManyKeys, operations: 200_000);
        Console.WriteLine();
        Console.WriteLine($"Load average at end: {LoadAverage()}");
        return 0;
    }

    private static void Scenario(string name, int keyCount, int operations)
    {
        var keys = DecisionBenchmarks.CreateKeys(keyCount, out var creationOrder);
        var subjects = new List<(string Name, string? Builtin, DecisionLoop Loop)>();
        var disposables = new List<IDisposable>();

        var counters = new ConcurrentDictionary<string, long>();
        foreach (var key in creationOrder)
        {
            counters[key] = 0;
        }

        subjects.Add(("floor: ConcurrentDictionary.AddOrUpdate", null, new DecisionLoop<FloorDecision>(keys, new FloorDecision(counters))));
        foreach (var algorithm in Enum.GetValues<RateLimitAlgorithm>())
        {
            var store = new InMemoryRateLimitStore();
            disposables.Add(store);
            var limit = DecisionBenchmarks.AdmitLimit(algorithm);
            foreach (var key in creationOrder)
            {
                store.Acquire(key, limit);
            }

            var builtin = algorithm switch
            {
                RateLimitAlgorithm.TokenBucket or RateLimitAlgorithm.Gcra => "partitioned TokenBucket",
                RateLimitAlgorithm.FixedWindow => "partitioned FixedWindow",
                _ => "partitioned SlidingWindow",
            };
            subjects.Add(($"Floodgate {algorithm}", builtin, new DecisionLoop<StoreDecision>(keys, new StoreDecision(store, limit))));
        }

        var frozen = new InMemoryRateLimitStore(timeProvider: new FrozenTimeProvider());
        disposables.Add(frozen);
        var tokenBucket = DecisionBenchmarks.AdmitLimit(RateLimitAlgorithm.TokenBucket);
        foreach (var key in creationOrder)
        {
            frozen.Acquire(key, tokenBucket);
        }

        subjects.Add(("Floodgate TokenBucket, frozen clock", "partitioned TokenBucket", new DecisionLoop<StoreDecision>(keys, new StoreDecision(frozen, tokenBucket))));
        subjects.Add(("clock read alone (TimeProvider.System)", null, new DecisionLoop<ClockDecision>(keys, default)));
        subjects.Add(("partitioned TokenBucket", null, Partitioned(PartitionedRateLimiter.Create<string, string>(static key => RateLimitPartition.GetTokenBucketLimiter(key, static _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = int.MaxValue, TokensPerPeriod = int.MaxValue, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0,
        })), keys, creationOrder, disposables)));
        subjects.Add(("partitioned SlidingWindow", null, Partitioned(PartitionedRateLimiter.Create<string, string>(static key => RateLimitPartition.GetSlidingWindowLimiter(key, static _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = int.MaxValue, Window = TimeSpan.FromDays(1), SegmentsPerWindow = 2, QueueLimit = 0,
        })), keys, creationOrder, disposables)));
        subjects.Add(("partitioned FixedWindow", null, Partitioned(PartitionedRateLimiter.Create<string, string>(static key => RateLimitPartition.GetFixedWindowLimiter(key, static _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = int.MaxValue, Window = TimeSpan.FromDays(1), QueueLimit = 0,
        })), keys, creationOrder, disposables)));

        // Warm up: enough calls for tiered compilation to promote every loop, then time for the background JIT.
        for (var i = 0; i < 60; i++)
        {
            foreach (var subject in subjects)
            {
                subject.Loop.Run(0, 1_000);
            }
        }

        Thread.Sleep(500);
        foreach (var subject in subjects)
        {
            subject.Loop.Run(0, operations);
        }

        var times = subjects.Select(_ => new double[Rounds]).ToArray();
        for (var round = 0; round < Rounds; round++)
        {
            for (var s = 0; s < subjects.Count; s++)
            {
                var watch = Stopwatch.StartNew();
                var admitted = subjects[s].Loop.Run(0, operations);
                times[s][round] = watch.Elapsed.TotalNanoseconds / operations;
                if (admitted != operations && !subjects[s].Name.StartsWith("clock", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{subjects[s].Name}: {operations - admitted} denials in an admission benchmark.");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"#### {name}, one thread ({operations:N0} decisions per subject per round)");
        Console.WriteLine();
        Console.WriteLine("| subject | median ns/op | min ns/op | ÷floor | ÷built-in (partitioned) | allocated |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | --- |");
        for (var s = 0; s < subjects.Count; s++)
        {
            var (subjectName, builtin, _) = subjects[s];
            var versusFloor = Median(Enumerable.Range(0, Rounds).Select(r => times[s][r] / times[0][r]));
            var builtinIndex = builtin is null ? -1 : subjects.FindIndex(x => x.Name == builtin);
            var versusBuiltin = builtinIndex < 0 ? "-" : Median(Enumerable.Range(0, Rounds).Select(r => times[s][r] / times[builtinIndex][r])).ToString("0.00", CultureInfo.InvariantCulture);
            var allocated = subjectName.StartsWith("partitioned", StringComparison.Ordinal) ? "yes (see BenchmarkDotNet table)" : "0 B";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {subjectName} | {Median(times[s]):F1} | {times[s].Min():F1} | {versusFloor:0.00} | {versusBuiltin} | {allocated} |"));
        }

        foreach (var disposable in disposables)
        {
            disposable.Dispose();
        }
    }

    private static DecisionLoop<PartitionedDecision> Partitioned(PartitionedRateLimiter<string> limiter, string[] keys, string[] creationOrder, List<IDisposable> disposables)
    {
        disposables.Add(limiter);
        foreach (var key in creationOrder)
        {
            limiter.AttemptAcquire(key, 1).Dispose();
        }

        return new DecisionLoop<PartitionedDecision>(keys, new PartitionedDecision(limiter));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";

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
