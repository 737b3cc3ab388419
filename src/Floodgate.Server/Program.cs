using Floodgate.AspNetCore;
using Floodgate.Redis;
using Floodgate.Server;
using Floodgate.Server.Admin;
using Floodgate.Server.Dashboard;
using Floodgate.Server.Decisions;
using Floodgate.Server.Demo;
using Floodgate.Server.Envoy;
using Floodgate.Server.Health;
using Floodgate.Server.Info;
using Floodgate.Server.Live;
using Floodgate.Server.Metrics;
using Floodgate.Server.OpenApi;
using Floodgate.Server.Policies;
using Floodgate.Server.Replay;
using Floodgate.Server.Stats;
using Floodgate.Server.Status;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

// Floodgate: memory by default; Redis for limits, bans and policies when Floodgate:Redis:Configuration is set.
var floodgate = builder.Services.AddFloodgate();
if (RedisConfiguration.IsConfigured(builder.Configuration))
{
    floodgate.AddRedis();

    // StackExchange.Redis blocks pool threads while it follows a Sentinel failover; a pool at its minimum grows too
    // slowly on a small machine and the switch (and the requests waiting on it) takes seconds longer.
    if (builder.Configuration[RedisConfiguration.Key]!.Contains("serviceName=", StringComparison.OrdinalIgnoreCase))
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(completionPorts, 32));
    }
}

builder.Services.AddProblemDetails();
builder.Services.AddHealth();
builder.Services.AddOpenApiDocument();
builder.Services.AddPrometheusMetrics();
builder.Services.AddAdminApi(builder.Configuration);
builder.Services.AddDecisionApi(builder.Configuration);
builder.Services.AddPolicies(builder.Configuration);
builder.Services.AddTrafficStats();
builder.Services.AddLive(builder.Configuration);
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

app.UseExceptionHandler();
// Both run only where they can act (each costs every request it runs on): status-code pages for responses that may end
// without a body (routes that always write their own carry SkipStatusCodePages), WebSockets on /ws.
app.UseWhen(static context => context.GetEndpoint()?.Metadata.GetMetadata<ISkipStatusCodePagesMetadata>() is null, branch => branch.UseStatusCodePages());
app.UseWhen(LiveEndpoints.IsLivePath, branch => branch.UseLiveWebSockets());
app.UseMiddleware<OutcomeMiddleware>();
app.UseFloodgate();
app.Use(OutcomeMiddleware.MarkLetThrough);

app.MapServiceInfo();
app.MapHealth();
app.MapDemo();
app.MapStatus();
app.MapAdminApi();
app.MapReplay();
app.MapDecisionApi();
app.MapLive();
app.MapOpenApiDocument();
app.MapPrometheusMetrics();
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

/// <summary>The service's entry point, visible to the end-to-end tests.</summary>
public partial class Program;
