using System.Diagnostics;
using System.Globalization;
using System.Text;
using Floodgate.Redis;
using StackExchange.Redis;

namespace Floodgate.RedisBench;

/// <summary>
/// Decisions per second and latency of <see cref="RedisRateLimitStore"/> against a real Redis. Driven by
/// <c>bench/redis/run.sh</c>, which also measures the ceiling of the same script with <c>redis-benchmark</c>.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Floodgate.RedisBench --redis HOST:PORT --scenario admit|attack-cache-on|attack-cache-off|raw|raw-waitasync
                             [--callers 1,16,64,256] [--warmup 1] [--duration 5] [--round 1] [--results FILE]
        Floodgate.RedisBench --dump-script PATH             write the batch script the store runs; print its SHA1
        Floodgate.RedisBench --redis HOST:PORT --evalsha-args
                                                            print "1 KEY ARGV..." of one admission (key with __rand_int__)
        Floodgate.RedisBench --redis HOST:PORT --probe      one admission through the store; exit 1 unless Redis decided it
        Floodgate.RedisBench --overhead [--threads 1,2] [--duration 1] [--repetitions 5]
                                                            the store's own cost per decision on a fake multiplexer (no Redis)
        Floodgate.RedisBench --report FILE                  markdown tables (medians over rounds) and the store's goals from a results file
        """;

    public static int Main(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return Fail($"Unexpected argument '{args[i]}'.");
            }

            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            options[args[i][2..]] = hasValue ? args[++i] : string.Empty;
        }

        try
        {
            if (options.TryGetValue("dump-script", out var scriptPath))
            {
                return DumpScript(scriptPath);
            }

            if (options.TryGetValue("report", out var reportPath))
            {
                var lines = File.ReadAllLines(reportPath);
                Console.Write(Report.Markdown(lines));
                Console.Write(StoreGoals.Markdown(lines));
                return 0;
            }

            if (options.ContainsKey("overhead"))
            {
                var threads = options.GetValueOrDefault("threads", "1,2").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
                var seconds = double.Parse(options.GetValueOrDefault("duration", "1"), CultureInfo.InvariantCulture);
                return Overhead.Run(threads, TimeSpan.FromSeconds(seconds), int.Parse(options.GetValueOrDefault("repetitions", "5"), CultureInfo.InvariantCulture));
            }

            if (!options.TryGetValue("redis", out var redis) || redis.Length == 0)
            {
                return Fail("--redis HOST:PORT is required.");
            }

            if (options.ContainsKey("evalsha-args"))
            {
                return EvalShaArguments(redis);
            }

            if (options.ContainsKey("probe"))
            {
                return Probe(redis);
            }

            if (!options.TryGetValue("scenario", out var scenarioName))
            {
                return Fail("--scenario is required.");
            }

            var kind = scenarioName switch
            {
                "admit" => ScenarioKind.Admit,
                "attack-cache-on" => ScenarioKind.AttackCacheOn,
                "attack-cache-off" => ScenarioKind.AttackCacheOff,
                "raw" => ScenarioKind.Raw,
                "raw-waitasync" => ScenarioKind.RawWaitAsync,
                _ => throw new FormatException($"Unknown scenario '{scenarioName}'."),
            };
            var callers = options.GetValueOrDefault("callers", "1,16,64,256").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            var warmup = TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("warmup", "1"), CultureInfo.InvariantCulture));
            var duration = TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("duration", "5"), CultureInfo.InvariantCulture));
            var round = int.Parse(options.GetValueOrDefault("round", "1"), CultureInfo.InvariantCulture);
            return Measure(redis, kind, callers, warmup, duration, round, options.GetValueOrDefault("results"));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IOException)
        {
            return Fail(ex.Message);
        }
    }

    private static int Measure(string redis, ScenarioKind kind, int[] callerCounts, TimeSpan warmup, TimeSpan duration, int round, string? resultsPath)
    {
        var failed = false;
        // A second connection for INFO (Redis CPU time), which StackExchange.Redis allows only in admin mode.
        using var admin = ConnectionMultiplexer.Connect(redis + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        foreach (var callers in callerCounts)
        {
            var options = Scenario.StoreOptions(redis, overLimitCache: kind != ScenarioKind.AttackCacheOff);
            using var multiplexer = Connect(options);
            using var store = new RedisRateLimitStore(multiplexer, options);
            var result = Scenario.Run(multiplexer, server, store, kind, callers, warmup, duration);
            Console.WriteLine(Report.Describe(result));
            if (result.Failures > 0 || result.DegradedEvents > 0 || result.DegradedAtEnd)
            {
                Console.Error.WriteLine($"warning: the store was degraded during the run ({result.Failures} decisions by the failure mode, {result.DegradedEvents} degradations).");
                failed = true;
            }

            if (kind is ScenarioKind.Admit or ScenarioKind.Raw or ScenarioKind.RawWaitAsync && result.Denied > 0)
            {
                Console.Error.WriteLine($"warning: {result.Denied} admissions were denied; the admission limit should never deny.");
                failed = true;
            }

            if (!string.IsNullOrEmpty(resultsPath))
            {
                File.AppendAllText(resultsPath, Report.Line(round, result) + "\n");
            }
        }

        return failed ? 1 : 0;
    }

    private static IConnectionMultiplexer Connect(RedisStoreOptions options)
    {
        var multiplexer = FloodgateRedisBuilderExtensions.Connect(options);
        var started = Stopwatch.GetTimestamp();
        while (!multiplexer.IsConnected && Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(50);
        }

        if (!multiplexer.IsConnected)
        {
            multiplexer.Dispose();
            throw new IOException($"Could not connect to Redis at {options.Configuration}.");
        }

        return multiplexer;
    }

    private static int DumpScript(string path)
    {
        File.WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(RedisScripts.Batch));
        Console.WriteLine(Convert.ToHexStringLower(RedisScripts.BatchSha1));
        return 0;
    }

    /// <summary>
    /// KEYS and ARGV of one admission under <see cref="Scenario.AdmitLimit"/> with cost 1, as the store sends them
    /// (layout at the top of Scripts/batch.lua); the key comes from the store itself.
    /// </summary>
    private static int EvalShaArguments(string redis)
    {
        var options = Scenario.StoreOptions(redis, overLimitCache: true);
        using var multiplexer = Connect(options);
        using var store = new RedisRateLimitStore(multiplexer, options);
        var limit = Scenario.AdmitLimit;
        // The store's own ARGV (now = 0: read Redis TIME; consume), so the ceiling runs exactly what the store sends.
        var key = store.StateKey("bench:__rand_int__", limit);
        string[] arguments = ["1", key, .. store.Arguments([new RateLimitRequest("bench", limit, 1)], consume: true).Select(v => v.ToString())];
        Console.WriteLine(string.Join(' ', arguments));
        return 0;
    }

    private static int Probe(string redis)
    {
        var options = Scenario.StoreOptions(redis, overLimitCache: true);
        using var multiplexer = Connect(options);
        using var store = new RedisRateLimitStore(multiplexer, options);
        var decision = store.AcquireAsync("bench:probe", Scenario.AdmitLimit).AsTask().GetAwaiter().GetResult();
        var ok = decision.IsAllowed && store.RoundTrips == 1 && !store.IsDegraded;
        Console.WriteLine(ok ? "probe: admitted by Redis" : $"probe failed: {decision}, round trips {store.RoundTrips}, degraded {store.IsDegraded}");
        return ok ? 0 : 1;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
