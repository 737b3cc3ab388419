using System.Reflection;
using System.Text.Json;
using Floodgate;
using Floodgate.AspNetCore;
using Floodgate.Redis;
using Floodgate.Server.Admin;
using Floodgate.Server.Dashboard;
using Floodgate.Server.Decisions;
using Floodgate.Server.Demo;
using Floodgate.Server.Envoy;
using Floodgate.Server.Live;
using Floodgate.Server.Policies;
using Floodgate.Server.Replay;
using Floodgate.Server.Stats;
using Floodgate.Server.Status;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);

// Floodgate: memory by default; Redis for limits, bans and policies when Floodgate:Redis:Configuration is set.
var useRedis = !string.IsNullOrWhiteSpace(builder.Configuration["Floodgate:Redis:Configuration"]);
var floodgate = builder.Services.AddFloodgate();
if (useRedis)
{
    floodgate.AddRedis();

    // StackExchange.Redis blocks pool threads while it follows a Sentinel failover; a pool at its minimum grows too
    // slowly on a small machine and the switch (and the requests waiting on it) takes seconds longer.
    if (builder.Configuration["Floodgate:Redis:Configuration"]!.Contains("serviceName=", StringComparison.OrdinalIgnoreCase))
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(completionPorts, 32));
    }
}

builder.Services.AddHealthChecks();
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();
// /metrics: Floodgate's meter, ASP.NET Core's and the runtime's, in Prometheus names (floodgate_decisions_total, ...).
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter("Floodgate", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
    // Gauges named *.count come out as *_count, which Prometheus keeps for histograms and summaries (promtool's lint).
    .AddView("dotnet.assembly.count", MetricStreamConfiguration.Drop)
    .AddView("dotnet.process.cpu.count", MetricStreamConfiguration.Drop)
    .AddView("dotnet.thread_pool.thread.count", MetricStreamConfiguration.Drop)
    .AddView("dotnet.timer.count", MetricStreamConfiguration.Drop)
    .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
builder.Services.Configure<AdminOptions>(builder.Configuration.GetSection("Floodgate:Admin"));
builder.Services.Configure<DecisionApiOptions>(builder.Configuration.GetSection("Floodgate:DecisionApi"));
builder.Services.AddSingleton<IPolicyStore>(sp => useRedis
    ? sp.GetRequiredService<RedisPolicyStore>()
    : OpenSqlitePolicyStore(builder.Configuration["Floodgate:Policies:Path"] is { Length: > 0 } path ? path : "floodgate.db"));
if (useRedis)
{
    // Subscribes in the background: the service starts and serves while Redis is away, and catches up when it comes.
    builder.Services.AddSingleton(sp => new RedisPolicyStore(
        sp.GetRequiredService<IConnectionMultiplexer>(),
        sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.KeyPrefix,
        sp.GetRequiredService<TimeProvider>(),
        sp.GetRequiredService<ILogger<RedisPolicyStore>>()));
    builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisPolicyStore>());
}

builder.Services.AddSingleton<PolicyRuleSource>();
builder.Services.AddSingleton<IRateLimitRuleSource>(sp => sp.GetRequiredService<PolicyRuleSource>());
// One per-second pipeline: requests add their outcome to TrafficStats; stats events, history and /admin/stats fold from it.
builder.Services.AddSingleton<TrafficStats>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<TrafficStats>());
builder.Services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.SectionName).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<LiveOptions>, LiveOptionsValidator>();
if (useRedis)
{
    builder.Services.AddSingleton(sp => new LiveRelay(
        sp.GetRequiredService<IConnectionMultiplexer>(),
        sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.KeyPrefix,
        sp.GetRequiredService<TimeProvider>(),
        sp.GetRequiredService<ILogger<LiveRelay>>()));
}

builder.Services.AddSingleton<LiveHub>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveHub>());
builder.Services.AddSingleton<DecisionSampler>();
builder.Services.AddHostedService<StatsEvents>();
builder.Services.AddReplay(builder.Configuration);

// Envoy's rate limit service (gRPC on its own port) when Floodgate:Envoy:Enabled is true.
builder.Services.AddEnvoyRateLimitService(builder.Configuration);

var app = builder.Build();
try
{
    // Invalid configuration ends start-up here, before the host starts: one line per problem, each naming the key, the
    // value and what is accepted, and exit code 1.
    app.Services.GetService<IStartupValidator>()?.Validate();
    await app.Services.GetRequiredService<PolicyRuleSource>().ReloadAsync();
}
catch (Exception ex) when (ConfigurationProblems(ex) is { Count: > 0 } problems)
{
    foreach (var problem in problems)
    {
        Console.Error.WriteLine(problem);
    }

    return 1;
}

var adminAuthorization = new KeyAuthorization([app.Services.GetRequiredService<IOptions<AdminOptions>>().Value.ApiKey]);
var decisionAuthorization = new KeyAuthorization(app.Services.GetRequiredService<IOptions<DecisionApiOptions>>().Value.Keys);
var trustedProxies = app.Services.GetRequiredService<IOptions<FloodgateOptions>>().Value.ForwardedHeaders.TrustedProxies;
var accessLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<KeyAuthorization>();
adminAuthorization.WarnIfKeylessBehindProxy(accessLog, "admin API", "Floodgate:Admin:ApiKey", trustedProxies);
decisionAuthorization.WarnIfKeylessBehindProxy(accessLog, "decision API", "Floodgate:DecisionApi:Keys", trustedProxies);
var version = typeof(RateLimit).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
app.UseMiddleware<OutcomeMiddleware>();
app.UseFloodgate();
app.Use(OutcomeMiddleware.MarkLetThrough);

app.MapGet("/", () => Results.Ok(new
{
    service = "Floodgate",
    version,
    store = useRedis ? "redis" : "memory",
    policies = useRedis ? "redis" : "sqlite",
    links = new Dictionary<string, string>
    {
        ["health"] = "/health",
        ["docs"] = "/docs",
        ["dashboard"] = "/dashboard",
        ["openapi"] = "/openapi/v1.json",
        ["metrics"] = "/metrics",
        ["status"] = "/rate-limit/status",
        ["data"] = "/api/data",
        ["admin"] = "/admin/configs",
        ["check"] = "/v1/check",
        ["events"] = "/events",
        ["websocket"] = "/ws/global",
    },
})).WithTags("Service").WithSummary("Service information");

app.MapHealthChecks("/health", new HealthCheckOptions
{
    ResponseWriter = async (context, report) =>
    {
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    },
    ResultStatusCodes = { [HealthStatus.Healthy] = 200, [HealthStatus.Degraded] = 200, [HealthStatus.Unhealthy] = 503 },
});

app.MapDemo();
app.MapStatus();
app.MapAdminApi(adminAuthorization);
app.MapDecisionApi(decisionAuthorization);
app.MapLive(adminAuthorization);
app.MapReplay(adminAuthorization);
app.MapOpenApi();
app.MapScalarApiReference("/docs");
app.MapPrometheusScrapingEndpoint("/metrics");
app.MapDashboard();

app.Run();
return 0;

// The lines of every options validation failure in an exception raised at start-up.
static List<string> ConfigurationProblems(Exception exception) => exception switch
{
    OptionsValidationException invalid => [.. invalid.Failures],
    AggregateException all => [.. all.InnerExceptions.SelectMany(ConfigurationProblems)],
    _ => [],
};

static SqlitePolicyStore OpenSqlitePolicyStore(string path)
{
    try
    {
        return new SqlitePolicyStore(path);
    }
    catch (Microsoft.Data.Sqlite.SqliteException ex)
    {
        throw new OptionsValidationException(
            "Floodgate:Policies",
            typeof(SqlitePolicyStore),
            [$"Floodgate:Policies:Path must be a file the service can create and write (was '{path}'): {ex.Message}"]);
    }
}

/// <summary>The service's entry point, visible to the end-to-end tests.</summary>
public partial class Program;
