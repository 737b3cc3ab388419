using OpenTelemetry.Metrics;

namespace Floodgate.Server.Metrics;

/// <summary>Registers <c>/metrics</c>: Floodgate's meter, ASP.NET Core's and the runtime's, in Prometheus names (<c>floodgate_decisions_total</c>, ...).</summary>
internal static class MetricsServiceCollectionExtensions
{
    public static IServiceCollection AddPrometheusMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Floodgate", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
            // Gauges named *.count come out as *_count, which Prometheus keeps for histograms and summaries (promtool's lint).
            .AddView("dotnet.assembly.count", MetricStreamConfiguration.Drop)
            .AddView("dotnet.process.cpu.count", MetricStreamConfiguration.Drop)
            .AddView("dotnet.thread_pool.thread.count", MetricStreamConfiguration.Drop)
            .AddView("dotnet.timer.count", MetricStreamConfiguration.Drop)
            .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}
