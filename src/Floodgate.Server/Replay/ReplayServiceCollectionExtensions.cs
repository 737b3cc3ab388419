using Floodgate.Server.NearLimit;
using Floodgate.Server.Recording;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Replay;

/// <summary>Registers what replays need and what comes with them: the record of recent requests and the near-limit reports.</summary>
internal static class ReplayServiceCollectionExtensions
{
    /// <summary>Validates <c>Floodgate:Recording</c> and <c>Floodgate:NearLimit</c> at start-up and registers the recorder and the near-limit tracker.</summary>
    public static IServiceCollection AddReplay(this IServiceCollection services)
    {
        services.AddOptions<RecordingOptions>().BindConfiguration(RecordingOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RecordingOptions>, RecordingOptionsValidator>();
        services.AddOptions<NearLimitOptions>().BindConfiguration(NearLimitOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NearLimitOptions>, NearLimitOptionsValidator>();
        services.AddSingleton<RequestRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<RequestRecorder>());
        services.AddSingleton<NearLimitTracker>();
        return services;
    }
}
