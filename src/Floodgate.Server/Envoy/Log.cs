namespace Floodgate.Server.Envoy;

/// <summary>The rate limit service's log lines (event ids 1800-1899).</summary>
internal static partial class Log
{
    [LoggerMessage(1800, LogLevel.Information, "Envoy rate limit service listening on {Address}:{Port} (HTTP/2) with {Domains} domains from {Files} files")]
    public static partial void Listening(ILogger logger, string address, int port, int domains, int files);

    [LoggerMessage(1801, LogLevel.Information, "Envoy rate limit configuration reloaded: {Domains} domains from {Files} files")]
    public static partial void Reloaded(ILogger logger, int domains, int files);

    [LoggerMessage(1802, LogLevel.Error, "Envoy rate limit configuration not reloaded, the last good one stays in force: {Reason}")]
    public static partial void ReloadFailed(ILogger logger, string reason);
}
