using Microsoft.Extensions.Logging;

namespace Floodgate.Redis;

internal static partial class Log
{
    [LoggerMessage(101, LogLevel.Warning, "Redis cannot be reached; deciding with {FailureMode} until it answers again")]
    public static partial void RedisUnavailable(ILogger logger, RedisFailureMode failureMode, Exception exception);

    [LoggerMessage(102, LogLevel.Information, "Redis answers again; decisions are back in Redis")]
    public static partial void RedisRecovered(ILogger logger);

    [LoggerMessage(103, LogLevel.Warning, "Redis cannot be reached; bans are kept in this process until it answers again")]
    public static partial void PenaltyBoxUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(104, LogLevel.Information, "Redis answers again; bans are back in Redis")]
    public static partial void PenaltyBoxRecovered(ILogger logger);
}
