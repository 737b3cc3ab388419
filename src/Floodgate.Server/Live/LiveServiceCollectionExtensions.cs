using Floodgate.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Floodgate.Server.Live;

/// <summary>Registers the live streams (section <c>Floodgate:Live</c>), relayed between instances through Redis when the service uses it.</summary>
internal static class LiveServiceCollectionExtensions
{
    public static IServiceCollection AddLive(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LiveOptions>, LiveOptionsValidator>();
        if (RedisConfiguration.IsConfigured(configuration))
        {
            services.AddSingleton(sp => new LiveRelay(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.KeyPrefix,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<LiveRelay>>()));
        }

        services.AddSingleton<LiveHub>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveHub>());
        services.AddSingleton<DecisionSampler>();
        services.AddHostedService<StatsEvents>();
        return services;
    }
}
