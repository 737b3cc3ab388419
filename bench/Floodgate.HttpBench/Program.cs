using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Floodgate.AspNetCore;
using Floodgate.AspNetCore.Policies;
using Floodgate.Redis;
using Floodgate.Storage;
using RedisRateLimiting;
using StackExchange.Redis;

// The app that bench/http/run.sh and bench/http/scale.sh drive with wrk: GET /api/data behind no limiter, ASP.NET
// Core's built-in limiter, Floodgate with its in-memory store, Floodgate with its Redis store, or one of
// RedisRateLimiting's Redis-backed System.Threading.RateLimiting limiters (sliding window, token bucket, fixed window),
// so that they differ only in the limiter.
//
//   Floodgate.HttpBench <none|builtin|floodgate|floodgate-redis|rrl-sliding|rrl-token|rrl-fixed> <pass|reject> <port> [--Floodgate:Key=value ...]
//
// pass:   a limit so high that every request passes (1,000,000,000 a minute, the most Floodgate's notation admits).
// reject: 10 a minute, so nearly every request is rejected. Floodgate's penalty box is off unless the command line
//         turns it on (--Floodgate:Penalty:Enabled=true): the figure then measures limiting, not bans.
// floodgate-redis needs --Floodgate:Redis:Configuration=HOST:PORT; its decision timeout is 1 s here (not 50 ms), so
// that a busy machine measures Redis rather than the failure mode, and /bench/stats counts any switch to it.
// rrl-* use ASP.NET Core's middleware with a RedisRateLimiting partition per client address, on the Redis named by
// the same --Floodgate:Redis:Configuration, with the same limit (the token bucket refills it once a second in
// sixtieths); they have no penalty box.
if (args.Length < 3 || args[0] is not ("none" or "builtin" or "floodgate" or "floodgate-redis" or "rrl-sliding" or "rrl-token" or "rrl-fixed") ||
    args[1] is not ("pass" or "reject") ||
    !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
{
    Console.Error.WriteLine("usage: Floodgate.HttpBench <none|builtin|floodgate|floodgate-redis|rrl-sliding|rrl-token|rrl-fixed> <pass|reject> <port> [--Floodgate:Key=value ...]");
    return 2;
}

var mode = args[0];
var permits = args[1] == "pass" ? 1_000_000_000 : 10;
var window = TimeSpan.FromMinutes(1);

var builder = WebApplication.CreateSlimBuilder();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Floodgate:DefaultLimit"] = $"{permits}/minute",
    ["Floodgate:Penalty:Enabled"] = "false",
    ["Floodgate:Redis:Timeout"] = "00:00:01",
});
builder.Configuration.AddCommandLine(args[3..]);

// The same host in every mode: no logging, one loopback endpoint, Kestrel's defaults otherwise.
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));

switch (mode)
{
    case "builtin":
        builder.Services.AddRateLimiter(options =>
        {
            // Partitioned by the client address itself (IPAddress has value equality), so the baseline pays no
            // string per request; six segments per minute like the documentation's examples.
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, IPAddress>(context =>
                RateLimitPartition.GetSlidingWindowLimiter(context.Connection.RemoteIpAddress ?? IPAddress.None, _ => new SlidingWindowRateLimiterOptions
                {
                    PermitLimit = permits,
                    Window = window,
                    SegmentsPerWindow = 6,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        });
        break;
    case "floodgate":
        builder.Services.AddFloodgate();
        break;
    case "floodgate-redis":
        builder.Services.AddFloodgate().AddRedis();
        break;
    case "rrl-sliding" or "rrl-token" or "rrl-fixed":
        var configuration = builder.Configuration["Floodgate:Redis:Configuration"]
            ?? throw new InvalidOperationException($"{mode} needs --Floodgate:Redis:Configuration=HOST:PORT.");
        // One multiplexer for every partition, as RedisRateLimiting's documentation shows.
        var connection = ConnectionMultiplexer.Connect(configuration);
        builder.Services.AddSingleton<IConnectionMultiplexer>(connection);
        // Chosen once: per request the partitioner only picks the client's limiter, as in the builtin mode.
        Func<IPAddress, RateLimitPartition<IPAddress>> partition = mode switch
        {
            "rrl-sliding" => client => RedisRateLimitPartition.GetSlidingWindowRateLimiter(client, _ => new RedisSlidingWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => connection,
                PermitLimit = permits,
                Window = window,
            }),
            "rrl-token" => client => RedisRateLimitPartition.GetTokenBucketRateLimiter(client, _ => new RedisTokenBucketRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => connection,
                TokenLimit = permits,
                TokensPerPeriod = Math.Max(permits / 60, 1),
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            }),
            _ => client => RedisRateLimitPartition.GetFixedWindowRateLimiter(client, _ => new RedisFixedWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => connection,
                PermitLimit = permits,
                Window = window,
            }),
        };
        builder.Services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, IPAddress>(context => partition(context.Connection.RemoteIpAddress ?? IPAddress.None));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        });
        break;
}

var app = builder.Build();
switch (mode)
{
    case "builtin" or "rrl-sliding" or "rrl-token" or "rrl-fixed":
        app.UseRateLimiter();
        break;
    case "floodgate" or "floodgate-redis":
        app.UseFloodgate();
        break;
}

var store = app.Services.GetService<IRateLimitStore>();
var multiplexer = mode is "floodgate-redis" or "rrl-sliding" or "rrl-token" or "rrl-fixed" ? app.Services.GetService<IConnectionMultiplexer>() : null;
var degradedEvents = 0;
if (store is RedisRateLimitStore redis)
{
    redis.DegradedChanged += degraded => Interlocked.Add(ref degradedEvents, degraded ? 1 : 0);
}

app.MapGet("/api/data", static () => "Here is your data.");

// What run.sh reads before and after a measurement to report CPU time and bytes allocated per request, and the
// store's own counters (memory: keys held and evicted; Redis: the store's script calls, over-limit cache hits,
// switches to the failure mode, and every command the client sent: scripts, ban checks, heartbeats; for rrl-* the
// commands RedisRateLimiting's multiplexer sent); exempt from
// every limiter so that it answers in the reject runs too. Fields are positional.
app.MapGet("/bench/stats", () => string.Create(
        CultureInfo.InvariantCulture,
        $"cpu_us={Environment.CpuUsage.TotalTime.Ticks / 10} allocated={GC.GetTotalAllocatedBytes()} gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)} {StoreCounters(store, Volatile.Read(ref degradedEvents))} redis_ops={multiplexer?.OperationCount ?? 0}"))
    .DisableRateLimiting()
    .DisableRateLimit();

// What scale.sh reads after a run: memory after a full compacting collection. Slow (it collects); never during a
// measurement.
app.MapGet("/bench/memory", () =>
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"rss={process.WorkingSet64} gc_live={GC.GetTotalMemory(forceFullCollection: false)} gc_heap={GC.GetGCMemoryInfo().HeapSizeBytes} {StoreCounters(store, Volatile.Read(ref degradedEvents))} redis_ops={multiplexer?.OperationCount ?? 0}");
    })
    .DisableRateLimiting()
    .DisableRateLimit();
app.Run();
return 0;

static string StoreCounters(IRateLimitStore? store, int degradedEvents) => store switch
{
    InMemoryRateLimitStore memory => string.Create(CultureInfo.InvariantCulture, $"keys={memory.Count} evictions={memory.Evictions} round_trips=0 cache_hits=0 degraded=0"),
    RedisRateLimitStore redis => string.Create(
        CultureInfo.InvariantCulture,
        $"keys=0 evictions=0 round_trips={redis.RoundTrips} cache_hits={redis.OverLimitCacheHits} degraded={degradedEvents + (redis.IsDegraded ? 1 : 0)}"),
    _ => "keys=0 evictions=0 round_trips=0 cache_hits=0 degraded=0",
};
