using Microsoft.Extensions.Logging;

namespace Floodgate.AspNetCore;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Denied {Client} on policy {Policy} ({Layer} layer, {Reason}), retry after {RetryAfter}")]
    public static partial void Denied(ILogger logger, string client, string policy, string layer, string reason, TimeSpan retryAfter);

    [LoggerMessage(2, LogLevel.Warning, "Banned {Client} until {ExpiresAt:O} (strike {Strike}): {Reason}")]
    public static partial void Banned(ILogger logger, string client, DateTimeOffset expiresAt, int strike, string reason);

    [LoggerMessage(3, LogLevel.Information, "Shadow mode: would have denied {Client} on policy {Policy} ({Layer} layer)")]
    public static partial void ShadowDenied(ILogger logger, string client, string policy, string layer);

    [LoggerMessage(4, LogLevel.Warning, "The rate-limit store failed; the request is let through")]
    public static partial void StoreFailed(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Global circuit breaker is now {State}")]
    public static partial void CircuitChanged(ILogger logger, Floodgate.Layers.CircuitState state);

    [LoggerMessage(6, LogLevel.Information, "Floodgate settings reloaded")]
    public static partial void SettingsReloaded(ILogger logger);

    [LoggerMessage(7, LogLevel.Error, "Floodgate settings not applied, the previous ones stay in force: {Errors}")]
    public static partial void SettingsReloadRejected(ILogger logger, string errors);

    [LoggerMessage(9, LogLevel.Error, "Run-time rules left out: {Errors}")]
    public static partial void DynamicRulesSkipped(ILogger logger, string errors);

    [LoggerMessage(8, LogLevel.Debug, "Slowed {Client} on policy {Policy} by {Delay}")]
    public static partial void SlowedDown(ILogger logger, string client, string policy, TimeSpan delay);

    [LoggerMessage(10, LogLevel.Warning, "The penalty box failed; the request goes on as if the client were not banned (or its violation not counted)")]
    public static partial void PenaltyBoxFailed(ILogger logger, Exception exception);
}
