using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Floodgate.Server.Health;

/// <summary><c>GET /health</c>: 200 while healthy or degraded (the Redis store falls back), 503 when unhealthy.</summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app)
    {
        app.MapGet("/health", async (HealthCheckService health, CancellationToken ct) =>
            {
                var report = await health.CheckHealthAsync(ct);
                var body = new HealthResponse(
                    report.Status.ToString(),
                    report.Entries.ToDictionary(e => e.Key, e => new HealthCheckResponse(e.Value.Status.ToString(), e.Value.Description)));
                return TypedResults.Json(body, statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
            })
            .WithTags("Service")
            .WithName("getHealth")
            .WithSummary("Health of the service and its store")
            .WithDescription("The status of every health check (the Redis store's included when Redis is configured). 200 while " +
                "Healthy or Degraded (a Redis store that fell back to its failure mode still answers), 503 when Unhealthy.")
            .Produces<HealthResponse>()
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
    }
}
