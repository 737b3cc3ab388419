namespace Floodgate.Server.Health;

/// <summary>Registers the health checks (the Redis store adds its own).</summary>
internal static class HealthServiceCollectionExtensions
{
    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddHealthChecks();
        return services;
    }
}
