using System.Diagnostics;
using System.Globalization;
using Floodgate.AspNetCore;
using Floodgate.AspNetCore.Replay;
using Floodgate.Testing.Traces;

namespace Floodgate.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Floodgate.Benchmarks -- replay [sources] [minutes] [rounds] [all]</c>: how many
/// requests a second the replay engine decides on one thread. One seeded heavy-tailed trace (the accuracy tests' shape,
/// default 300,000 sources over 2 minutes) is built once, as records in memory; each round replays it once under every
/// variant (the default algorithm with one limit and with the default options' two, the exact log; with <c>all</c> the
/// other algorithms too), from fresh state, report included. Ratios are taken within a round and medianed over the rounds. Rates are
/// given per second of the process's CPU time (the replay runs on one thread; on a machine shared with other work the
/// wall clock counts the time others held the core) and, beside them, per second of wall-clock time.
/// </summary>
internal static class ReplayThroughput
{
    public static int Run(string[] args)
    {
        var numbers = args.Skip(1).Where(a => a != "all").Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        var sources = numbers.Length > 0 ? numbers[0] : 300_000;
        var minutes = numbers.Length > 1 ? numbers[1] : 2;
        var rounds = numbers.Length > 2 ? numbers[2] : 3;
        var limit = RateLimit.Parse("60/minute");
        var generated = HeavyTailedTrace.Generate(sources, minutes * 60_000_000L, limit, seed: 0xC10D_F1A2E);
        var names = new string[sources];
        for (var i = 0; i < sources; i++)
        {
            names[i] = $"ip:10.{i >> 16}.{(i >> 8) & 255}.{i & 255}";
        }

        var trace = new TraceRecord[generated.Count];
        for (var i = 0; i < trace.Length; i++)
        {
            trace[i] = new TraceRecord(generated.Times[i], names[generated.Clients[i]], "GET", "/api/data", Admitted: true);
        }

        Console.WriteLine($"Replay throughput, one thread, {rounds} rounds, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"Trace: {generated.Description}");
        Console.WriteLine($"Load average at start: {LoadAverage()}");

        var variants = new List<(string Name, ReplayEngine? Engine)>
        {
            ("floor: read every record", null),
            ("SlidingWindowCounter 60/minute (default algorithm)", Engine("60/minute", RateLimitAlgorithm.SlidingWindowCounter)),
            ("SlidingWindowCounter 100/minute;1000/hour (default options)", ReplayEngine.Create(new FloodgateOptions())),
            ("SlidingWindowLog 60/minute (exact)", Engine("60/minute", RateLimitAlgorithm.SlidingWindowLog)),
        };
        if (args.Contains("all"))
        {
            variants.Add(("TokenBucket 60/minute", Engine("60/minute", RateLimitAlgorithm.TokenBucket)));
            variants.Add(("FixedWindow 60/minute", Engine("60/minute", RateLimitAlgorithm.FixedWindow)));
            variants.Add(("Gcra 60/minute", Engine("60/minute", RateLimitAlgorithm.Gcra)));
        }

        // Warm-up: every variant replays a prefix, so that the measured rounds run optimised code (tiered JIT).
        foreach (var (_, engine) in variants)
        {
            for (var i = 0; i < 3; i++)
            {
                _ = engine?.Replay(trace.AsSpan(0, Math.Min(trace.Length, 500_000)));
            }
        }

        var perSecond = new double[variants.Count, rounds];
        var perWallSecond = new double[variants.Count, rounds];
        using var process = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            for (var v = 0; v < variants.Count; v++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                var check = variants[v].Engine is { } engine ? engine.Replay(trace).Total.Admitted : Floor(trace);
                watch.Stop();
                process.Refresh();
                var cpu = process.TotalProcessorTime - cpuBefore;
                perSecond[v, round] = trace.Length / cpu.TotalSeconds;
                perWallSecond[v, round] = trace.Length / watch.Elapsed.TotalSeconds;
                Console.WriteLine($"  round {round + 1}  {variants[v].Name,-62} {perSecond[v, round] / 1e6,6:F2} M requests/CPU-s ({cpu.TotalSeconds:F2} s CPU), {perWallSecond[v, round] / 1e6,6:F2} M/s wall ({watch.Elapsed.TotalSeconds:F2} s); admitted {check}");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"variant",-62} {"M requests/CPU-s: median (per round)",-40} ÷ default algorithm: median (per round)   M requests/wall-s: median");
        for (var v = 0; v < variants.Count; v++)
        {
            var values = Enumerable.Range(0, rounds).Select(r => perSecond[v, r] / 1e6).ToArray();
            var ratios = Enumerable.Range(0, rounds).Select(r => perSecond[v, r] / perSecond[1, r]).ToArray();
            Console.WriteLine($"{variants[v].Name,-62} {Median(values),6:F2} ({string.Join(" / ", values.Select(x => x.ToString("F2", CultureInfo.InvariantCulture))),-30}) {Median(ratios),5:F2} ({string.Join(" / ", ratios.Select(x => x.ToString("F2", CultureInfo.InvariantCulture))),-20}) {Median(Enumerable.Range(0, rounds).Select(r => perWallSecond[v, r] / 1e6).ToArray()),6:F2}");
        }

        Console.WriteLine($"Load average at end: {LoadAverage()}");
        return 0;
    }

    private static ReplayEngine Engine(string limit, RateLimitAlgorithm algorithm) =>
        ReplayEngine.Create(new FloodgateOptions { DefaultLimit = limit, Algorithm = algorithm });

    /// <summary>What reading the records costs alone: every field the engine reads, summed.</summary>
    private static long Floor(TraceRecord[] trace)
    {
        long sum = 0;
        foreach (ref readonly var record in trace.AsSpan())
        {
            sum += record.Timestamp + record.Client.Length + record.Path.Length + record.Method.Length + record.Cost + (record.Admitted ? 1 : 0);
        }

        return sum;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
}
