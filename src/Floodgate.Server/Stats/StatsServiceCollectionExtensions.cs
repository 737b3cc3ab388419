namespace Floodgate.Server.Stats;

/// <summary>Registers the traffic statistics.</summary>
internal static class StatsServiceCollectionExtensions
{
    /// <summary>One per-second pipeline: requests add their outcome to <see cref="TrafficStats"/>; stats events, history and <c>/admin/stats</c> fold from it.</summary>
    public static IServiceCollection AddTrafficStats(this IServiceCollection services)
    {
        services.AddSingleton<TrafficStats>();
        services.AddHostedService(sp => sp.GetRequiredService<TrafficStats>());
        return services;
    }
}
