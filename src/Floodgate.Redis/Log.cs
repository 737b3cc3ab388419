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

    [LoggerMessage(105, LogLevel.Error, "A Redis call of the rate-limit store failed for a reason other than an outage; this is a bug, and the caller gets the exception")]
    public static partial void StoreCallFailed(ILogger logger, Exception exception);

    [LoggerMessage(106, LogLevel.Error, "A Redis call of the penalty box failed for a reason other than an outage; this is a bug, and the caller gets the exception")]
    public static partial void PenaltyBoxCallFailed(ILogger logger, Exception exception);

    [LoggerMessage(107, LogLevel.Debug, "A Redis call took longer than {Timeout}; Redis is still taken to be there ({Timeouts} timeouts in a row)")]
    public static partial void SlowCall(ILogger logger, TimeSpan timeout, int timeouts);

    [LoggerMessage(108, LogLevel.Debug, "The ban mirror could not be loaded; bans are checked in Redis until it is")]
    public static partial void BanMirrorNotLoaded(ILogger logger, Exception exception);

    [LoggerMessage(109, LogLevel.Warning, "Redis cannot be reached; each instance counts the identities of an address on its own until it answers again")]
    public static partial void IdentityLedgerUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(110, LogLevel.Information, "Redis answers again; the identity ceiling is shared again")]
    public static partial void IdentityLedgerRecovered(ILogger logger);

    [LoggerMessage(111, LogLevel.Error, "A Redis call of the identity ceiling failed for a reason other than an outage; this is a bug, and the caller gets the exception")]
    public static partial void IdentityLedgerCallFailed(ILogger logger, Exception exception);

    [LoggerMessage(112, LogLevel.Information, "What memory admitted during the outage is counted in Redis again: {Keys} keys")]
    public static partial void CarriedBack(ILogger logger, int keys);

    [LoggerMessage(113, LogLevel.Warning, "Redis failed while the outage's admissions were counted back ({Carried} of {Keys} keys): the outage goes on, and the rest is counted before Redis decides again")]
    public static partial void CarryBackInterrupted(ILogger logger, int carried, int keys);
}
