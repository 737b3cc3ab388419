using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Floodgate.Redis;
using StackExchange.Redis;

namespace Floodgate.RedisBench;

/// <summary>What the callers ask for.</summary>
internal enum ScenarioKind
{
    /// <summary>Every caller has its own key and a limit that never denies: every call is an admission and a round trip.</summary>
    Admit,

    /// <summary>Every caller hammers one key far over its limit, over-limit cache on.</summary>
    AttackCacheOn,

    /// <summary>The same attack with the over-limit cache off: every denial is a round trip.</summary>
    AttackCacheOff,

    /// <summary>
    /// The admission's EVALSHA straight through StackExchange.Redis on the same kind of multiplexer, with KEYS and ARGV
    /// built once per caller and no timeout: what the client library costs without the store.
    /// </summary>
    Raw,

    /// <summary><see cref="Raw"/> plus the store's <c>WaitAsync(Timeout, TimeProvider)</c>.</summary>
    RawWaitAsync,
}

/// <summary>The numbers of one measured run.</summary>
internal sealed record ScenarioResult(
    ScenarioKind Kind,
    int Callers,
    long Decisions,
    double DecisionsPerSecond,
    TimeSpan P50,
    TimeSpan P99,
    double RoundTripsPerDecision,
    long RoundTrips,
    long CacheHits,
    long Allowed,
    long Denied,
    long Failures,
    int DegradedEvents,
    bool DegradedAtEnd,
    double ClientCpuMicrosecondsPerDecision,
    double AllocatedBytesPerDecision,
    double ServerCpuMicrosecondsPerDecision,
    double WorkItemsPerDecision,
    double Gen0CollectionsPerThousand,
    double ScriptsPerDecision,
    double ExecutedPerDecision,
    double ScriptMicrosecondsPerDecision);

/// <summary>
/// A closed loop: <c>callers</c> async tasks each call <see cref="RedisRateLimitStore.AcquireAsync"/>, wait for the
/// decision and call again, for a warm-up and then a measured duration. Latency is taken per call with
/// <see cref="Stopwatch"/> timestamps into a histogram per caller; throughput is the decisions completed inside the
/// measured window divided by its length.
/// </summary>
internal static class Scenario
{
    public const string AttackKey = "attack:hot";

    /// <summary>Never denies within a benchmark: every call is an admission that writes.</summary>
    public static readonly RateLimit AdmitLimit = new(1_000_000_000, TimeSpan.FromDays(1));

    /// <summary>Used up after ten calls: the rest of the attack is denials.</summary>
    public static readonly RateLimit AttackLimit = new(10, TimeSpan.FromMinutes(1));

    private const int Warming = 0;
    private const int Measuring = 1;
    private const int Stopping = 2;

    public static RedisStoreOptions StoreOptions(string configuration, bool overLimitCache) => new()
    {
        Configuration = configuration,
        // Generous, so that the benchmark measures Redis and not the failure mode.
        Timeout = TimeSpan.FromSeconds(1),
        // A failure answers as a visible denial (StoreUnavailable) that is counted, never as a fast in-memory decision.
        FailureMode = RedisFailureMode.FailClosed,
        OverLimitCache = overLimitCache,
    };

    public static ScenarioResult Run(IConnectionMultiplexer multiplexer, IServer admin, RedisRateLimitStore store, ScenarioKind kind, int callers, TimeSpan warmup, TimeSpan duration)
    {
        var degradedEvents = 0;
        store.DegradedChanged += degraded =>
        {
            if (degraded)
            {
                Interlocked.Increment(ref degradedEvents);
            }
        };

        var limit = kind == ScenarioKind.Admit ? AdmitLimit : AttackLimit;
        var phase = new StrongBox<int>(Warming);
        var states = new CallerState[callers];
        var tasks = new Task[callers];
        for (var i = 0; i < callers; i++)
        {
            // Keys are built once per caller, outside the loop: the per-call cost measured is the store's.
            var state = states[i] = new CallerState(kind == ScenarioKind.Admit ? $"bench:{i}" : AttackKey);
            tasks[i] = kind is ScenarioKind.Raw or ScenarioKind.RawWaitAsync
                ? Task.Run(() => RawCallerAsync(multiplexer.GetDatabase(), store, state, phase, kind == ScenarioKind.RawWaitAsync))
                : Task.Run(() => CallerAsync(store, limit, state, phase));
        }

        // The main thread sleeps instead of awaiting, so that callers that complete synchronously cannot delay the clock.
        Thread.Sleep(warmup);
        var serverCpuBefore = ServerCpu(admin);
        var commandsBefore = CommandStats.Read(admin);
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var workItemsBefore = ThreadPool.CompletedWorkItemCount;
        var collectionsBefore = GC.CollectionCount(0);
        var roundTripsBefore = store.RoundTrips;
        var cacheHitsBefore = store.OverLimitCacheHits;
        Volatile.Write(ref phase.Value, Measuring);
        var start = Stopwatch.GetTimestamp();
        Thread.Sleep(duration);
        Volatile.Write(ref phase.Value, Stopping);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        var workItems = ThreadPool.CompletedWorkItemCount - workItemsBefore;
        var collections = GC.CollectionCount(0) - collectionsBefore;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var roundTrips = store.RoundTrips - roundTripsBefore;
        var cacheHits = store.OverLimitCacheHits - cacheHitsBefore;
        if (!Task.WaitAll(tasks, TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("Callers did not stop within 30 s.");
        }

        // After the callers stopped, so that the server's CPU covers the calls counted (and the few that straddled the end).
        var serverCpu = ServerCpu(admin) - serverCpuBefore;
        var commandsAfter = CommandStats.Read(admin);

        var histogram = new LatencyHistogram();
        long allowed = 0, denied = 0, failures = 0;
        foreach (var state in states)
        {
            histogram.Add(state.Histogram);
            allowed += state.Allowed;
            denied += state.Denied;
            failures += state.Failures;
        }

        var decisions = histogram.Count;
        var (scripts, executed, scriptMicroseconds) = CommandStats.PerDecision(commandsBefore, commandsAfter, decisions);
        return new ScenarioResult(
            kind,
            callers,
            decisions,
            decisions / elapsed.TotalSeconds,
            histogram.Percentile(50),
            histogram.Percentile(99),
            decisions == 0 ? 0 : (double)roundTrips / decisions,
            roundTrips,
            cacheHits,
            allowed,
            denied,
            failures,
            Volatile.Read(ref degradedEvents),
            store.IsDegraded,
            decisions == 0 ? 0 : cpu.TotalMicroseconds / decisions,
            decisions == 0 ? 0 : (double)allocated / decisions,
            decisions == 0 ? 0 : serverCpu.TotalMicroseconds / decisions,
            decisions == 0 ? 0 : (double)workItems / decisions,
            decisions == 0 ? 0 : collections * 1000.0 / decisions,
            scripts,
            executed,
            scriptMicroseconds);
    }

    /// <summary>CPU time of the redis-server process (user + system), from INFO cpu.</summary>
    private static TimeSpan ServerCpu(IServer server)
    {
        double seconds = 0;
        foreach (var group in server.Info("cpu"))
        {
            foreach (var pair in group)
            {
                if (pair.Key is "used_cpu_user" or "used_cpu_sys")
                {
                    seconds += double.Parse(pair.Value, CultureInfo.InvariantCulture);
                }
            }
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static async Task CallerAsync(RedisRateLimitStore store, RateLimit limit, CallerState state, StrongBox<int> phase)
    {
        while (Volatile.Read(ref phase.Value) != Stopping)
        {
            var start = Stopwatch.GetTimestamp();
            var pending = store.AcquireAsync(state.Key, limit);
            var synchronous = pending.IsCompleted;
            var decision = await pending.ConfigureAwait(false);
            var end = Stopwatch.GetTimestamp();
            if (Volatile.Read(ref phase.Value) == Measuring)
            {
                state.Histogram.Record(end - start);
                if (decision.IsAllowed)
                {
                    state.Allowed++;
                }
                else if (decision.Reason == RateLimitDenialReason.StoreUnavailable)
                {
                    state.Failures++;
                }
                else
                {
                    state.Denied++;
                }
            }

            if (synchronous)
            {
                // A decision from the over-limit cache completes synchronously. In a server each request is its own
                // work item; yielding here keeps one caller from holding a thread for the whole run, so that callers
                // whose decision needed Redis get their continuation scheduled as they would under real traffic.
                await Task.Yield();
            }
        }
    }

    private static async Task RawCallerAsync(IDatabase database, RedisRateLimitStore store, CallerState state, StrongBox<int> phase, bool waitAsync)
    {
        // What the store sends for one admission (see --evalsha-args), built once.
        RedisKey[] keys = [store.StateKey(state.Key, AdmitLimit)];
        var arguments = store.Arguments([new RateLimitRequest(state.Key, AdmitLimit, 1)], consume: true);
        var sha = RedisScripts.BatchSha1;
        while (Volatile.Read(ref phase.Value) != Stopping)
        {
            var start = Stopwatch.GetTimestamp();
            var pending = database.ScriptEvaluateAsync(sha, keys, arguments);
            var result = waitAsync
                ? await pending.WaitAsync(TimeSpan.FromSeconds(1), TimeProvider.System).ConfigureAwait(false)
                : await pending.ConfigureAwait(false);
            var end = Stopwatch.GetTimestamp();
            if (Volatile.Read(ref phase.Value) == Measuring)
            {
                state.Histogram.Record(end - start);
                if (RedisRateLimitStore.Values(result, keys.Length * 4)[0] == 1)
                {
                    state.Allowed++;
                }
                else
                {
                    state.Denied++;
                }
            }
        }
    }

    private sealed class CallerState(string key)
    {
        public string Key { get; } = key;

        public LatencyHistogram Histogram { get; } = new();

        public long Allowed { get; set; }

        public long Denied { get; set; }

        public long Failures { get; set; }
    }
}
