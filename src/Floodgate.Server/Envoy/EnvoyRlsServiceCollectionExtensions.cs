using Microsoft.Extensions.Options;

namespace Floodgate.Server.Envoy;

/// <summary>Registers Envoy's rate limit service from section <c>Floodgate:Envoy</c>.</summary>
internal static class EnvoyRlsServiceCollectionExtensions
{
    /// <summary>
    /// Validates <c>Floodgate:Envoy</c> at start-up and, when it is enabled, serves the rate limit service on its port.
    /// </summary>
    public static IServiceCollection AddEnvoyRateLimitService(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EnvoyRlsOptions>().BindConfiguration(EnvoyRlsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EnvoyRlsOptions>, EnvoyRlsOptionsValidator>();
        if (!configuration.GetValue<bool>(EnvoyRlsOptions.SectionName + ":Enabled"))
        {
            return services;
        }

        services.AddSingleton<RlsMetrics>();
        services.AddSingleton<RlsConfigSource>();
        services.AddSingleton<EnvoyRateLimitService>();
        services.AddHostedService<EnvoyRlsHost>();
        return services;
    }
}
