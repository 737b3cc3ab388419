namespace Floodgate.Server.Metrics;

/// <summary><c>GET /metrics</c>: the Prometheus text exposition.</summary>
internal static class MetricsEndpoints
{
    public const string Path = "/metrics";

    public static void MapPrometheusMetrics(this WebApplication app) => app.MapPrometheusScrapingEndpoint(Path);
}
