using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Floodgate.AspNetCore;
using Floodgate.AspNetCore.Policies;

// The app that bench/http/run.sh drives with wrk: GET /api/data behind no limiter, ASP.NET Core's built-in
// limiter or Floodgate, so that the three differ only in the limiter.
//
//   Floodgate.HttpBench <none|builtin|floodgate> <pass|reject> <port> [--Floodgate:Key=value ...]
//
// pass:   a limit so high that every request passes (1,000,000,000 a minute, the most Floodgate's notation admits).
// reject: 10 a minute, so nearly every request is rejected. Floodgate's penalty box is off unless the command line
//         turns it on (--Floodgate:Penalty:Enabled=true): the figure then measures limiting, not bans.
if (args.Length < 3 || args[0] is not ("none" or "builtin" or "floodgate") || args[1] is not ("pass" or "reject") ||
    !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
{
    Console.Error.WriteLine("usage: Floodgate.HttpBench <none|builtin|floodgate> <pass|reject> <port> [--Floodgate:Key=value ...]");
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
}

var app = builder.Build();
switch (mode)
{
    case "builtin":
        app.UseRateLimiter();
        break;
    case "floodgate":
        app.UseFloodgate();
        break;
}

app.MapGet("/api/data", static () => "Here is your data.");

// What run.sh reads before and after a measurement to report CPU time and bytes allocated per request; exempt from
// every limiter so that it answers in the reject runs too.
app.MapGet("/bench/stats", static () => string.Create(
        CultureInfo.InvariantCulture,
        $"cpu_us={Environment.CpuUsage.TotalTime.Ticks / 10} allocated={GC.GetTotalAllocatedBytes()} gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)}"))
    .DisableRateLimiting()
    .DisableRateLimit();
app.Run();
return 0;
