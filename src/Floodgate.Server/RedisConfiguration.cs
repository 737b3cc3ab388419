namespace Floodgate.Server;

/// <summary>Whether the service keeps its state in Redis: limits, bans, policies and the live relay.</summary>
internal static class RedisConfiguration
{
    public const string Key = "Floodgate:Redis:Configuration";

    /// <summary>True when <c>Floodgate:Redis:Configuration</c> is set; the service then uses Redis for everything it shares.</summary>
    public static bool IsConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[Key]);
}
