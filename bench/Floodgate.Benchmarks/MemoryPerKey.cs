using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.RateLimiting;
using Floodgate.Storage;

namespace Floodgate.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Floodgate.Benchmarks -- memory</c>: the heap each idle key costs at
/// 1,000,000 distinct keys, per algorithm (a fresh store each, full compacting GC before and after), beside the floor
/// and the built-in partitioned limiter; then 1,000,000 distinct keys streamed through a store capped at 100,000.
/// </summary>
internal static class MemoryPerKey
{
    private const int KeyCount = 1_000_000;
    private const int Cap = 100_000;

    public static int Run()
    {
        Console.WriteLine($"Memory per idle key, {KeyCount:N0} distinct keys, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, GC server={System.Runtime.GCSettings.IsServerGC}");
        Console.WriteLine();

        var before = Heap();
        var keys = Enumerable.Range(0, KeyCount).Select(static i => $"client-{i:D7}").ToArray();
        var afterKeys = Heap();
        Console.WriteLine($"The key strings themselves (\"client-0000000\", 14 chars) and their array: {PerKey(before, afterKeys)} B per key; the tables below exclude them (a store keeps a reference to the caller's string).");
        Console.WriteLine();
        Console.WriteLine("| state per (key, limit) | bytes per key (GC.GetTotalMemory) | bytes per key (GCMemoryInfo.HeapSizeBytes) | keys held |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");

        foreach (var algorithm in Enum.GetValues<RateLimitAlgorithm>())
        {
            var limit = new RateLimit(100, TimeSpan.FromHours(1), algorithm);
            Measure($"Floodgate {algorithm} (100/hour, one request each)", () =>
            {
                var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { MaxKeys = KeyCount, CleanupInterval = TimeSpan.FromHours(1) });
                foreach (var key in keys)
                {
                    store.Acquire(key, limit);
                }

                return (store, store.Count);
            });
        }

        Measure("floor: ConcurrentDictionary<string, long>", () =>
        {
            var counters = new ConcurrentDictionary<string, long>();
            foreach (var key in keys)
            {
                counters.AddOrUpdate(key, 1, static (_, count) => count + 1);
            }

            return (counters, counters.Count);
        });

        Measure("built-in PartitionedRateLimiter, token bucket (one AttemptAcquire each)", () =>
        {
            var limiter = PartitionedRateLimiter.Create<string, string>(static key => RateLimitPartition.GetTokenBucketLimiter(key, static _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = 100, TokensPerPeriod = 100, ReplenishmentPeriod = TimeSpan.FromHours(1), QueueLimit = 0,
            }));
            foreach (var key in keys)
            {
                limiter.AttemptAcquire(key, 1).Dispose();
            }

            return (limiter, KeyCount);
        });

        GC.KeepAlive(keys);
        keys = null;
        Console.WriteLine();
        Bounded();
        return 0;
    }

    private static void Measure(string what, Func<(object Holder, int Count)> fill)
    {
        var before = Heap();
        var beforeInfo = GC.GetGCMemoryInfo().HeapSizeBytes;
        var (holder, count) = fill();
        var after = Heap();
        var afterInfo = GC.GetGCMemoryInfo().HeapSizeBytes;
        Console.WriteLine($"| {what} | {PerKey(before, after)} | {PerKey(beforeInfo, afterInfo)} | {count:N0} |");
        GC.KeepAlive(holder);
        (holder as IDisposable)?.Dispose();
    }

    /// <summary>A store capped at 100,000 keys under a flood of 1,000,000 distinct ones: the heap stays flat.</summary>
    private static void Bounded()
    {
        Console.WriteLine($"MaxKeys = {Cap:N0}, {KeyCount:N0} distinct keys streamed through (SlidingWindowCounter, 100/hour: nothing expires, so the cap is kept by eviction)");
        Console.WriteLine();
        Console.WriteLine("| keys sent | keys held | evictions | heap after full GC (MB) |");
        Console.WriteLine("| ---: | ---: | ---: | ---: |");
        var baseline = Heap();
        Console.WriteLine($"| 0 | 0 | 0 | {Mb(baseline)} |");
        using var store = new InMemoryRateLimitStore(new InMemoryStoreOptions { MaxKeys = Cap, CleanupInterval = TimeSpan.FromHours(1) });
        var limit = new RateLimit(100, TimeSpan.FromHours(1));
        var elapsed = Stopwatch.StartNew();
        for (var i = 0; i < KeyCount; i++)
        {
            store.Acquire(string.Create(CultureInfo.InvariantCulture, $"flood-{i:D7}"), limit);
            if ((i + 1) % Cap == 0)
            {
                elapsed.Stop();
                Console.WriteLine($"| {i + 1:N0} | {store.Count:N0} | {store.Evictions:N0} | {Mb(Heap())} |");
                elapsed.Start();
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{KeyCount:N0} first-time keys with eviction took {elapsed.Elapsed.TotalMilliseconds:N0} ms ({elapsed.Elapsed.TotalNanoseconds / KeyCount:N0} ns per new key, eviction included).");
    }

    private static long Heap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string PerKey(long before, long after) => ((double)(after - before) / KeyCount).ToString("N1", CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("N1", CultureInfo.InvariantCulture);
}
