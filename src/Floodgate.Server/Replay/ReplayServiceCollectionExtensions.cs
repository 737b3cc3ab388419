using Floodgate.Redis;
using Floodgate.Server.Admin;
using Floodgate.Server.Live;
using Floodgate.Server.NearLimit;
using Floodgate.Server.Recording;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Floodgate.Server.Replay;

/// <summary>Registers replays and what comes with them: the record of recent requests and the near-limit reports.</summary>
internal static class ReplayServiceCollectionExtensions
{
    /// <summary>
    /// Validates <c>Floodgate:Recording</c> and <c>Floodgate:NearLimit</c> at start-up and registers the recorder, the
    /// near-limit tracker and, with Redis (<c>Floodgate:Redis:Configuration</c>), the exchange that lets a replay read
    /// every instance's record.
    /// </summary>
    public static IServiceCollection AddReplay(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RecordingOptions>().BindConfiguration(RecordingOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RecordingOptions>, RecordingOptionsValidator>();
        services.AddOptions<NearLimitOptions>().BindConfiguration(NearLimitOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NearLimitOptions>, NearLimitOptionsValidator>();
        services.AddSingleton<RequestRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<RequestRecorder>());
        services.AddSingleton<NearLimitTracker>();
        if (!string.IsNullOrWhiteSpace(configuration["Floodgate:Redis:Configuration"]))
        {
            services.AddSingleton(sp => new RecordingExchange(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.KeyPrefix,
                sp.GetRequiredService<LiveHub>().Instance,
                sp.GetRequiredService<RequestRecorder>(),
                sp.GetRequiredService<IOptions<RecordingOptions>>().Value.GatherTimeout,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RecordingExchange>>()));
            services.AddHostedService(sp => sp.GetRequiredService<RecordingExchange>());
        }

        return services;
    }
}
