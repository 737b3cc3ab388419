using System.Reflection;

namespace Floodgate.Server.Info;

/// <summary><c>GET /</c>: the service's name, version, stores and links to its parts.</summary>
internal static class ServiceInfoEndpoints
{
    public static void MapServiceInfo(this WebApplication app)
    {
        var redis = RedisConfiguration.IsConfigured(app.Configuration);
        var version = typeof(RateLimit).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
        var info = new ServiceInfo("Floodgate", version, redis ? "redis" : "memory", redis ? "redis" : "sqlite", new Dictionary<string, string>
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
        });
        app.MapGet("/", () => TypedResults.Ok(info)).WithTags("Service").WithName("getServiceInfo").WithSummary("Service information")
            .WithDescription("The service's name and version, the stores it uses (memory or Redis for limits, SQLite or Redis for policies) and where its parts are.");
    }
}
