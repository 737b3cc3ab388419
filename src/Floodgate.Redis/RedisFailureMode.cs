namespace Floodgate.Redis;

/// <summary>What the Redis store answers while Redis cannot be reached (<c>Floodgate:Redis:FailureMode</c>).</summary>
public enum RedisFailureMode
{
    /// <summary>Decide in this process's memory, report Degraded, and go back to Redis as soon as it answers. The default.</summary>
    FallbackToMemory = 0,

    /// <summary>Admit every request.</summary>
    FailOpen = 1,

    /// <summary>Reject every request (reason <see cref="RateLimitDenialReason.StoreUnavailable"/>).</summary>
    FailClosed = 2,
}
