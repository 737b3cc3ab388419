namespace Floodgate.Redis;

/// <summary>
/// Whether Redis is being given a rest: after a failed call, calls go to the failure mode for
/// <c>RetryInterval</c>, then the next call tries Redis again; the first call that succeeds ends the outage.
/// Shared by the store and the penalty box, each with its own.
/// </summary>
internal sealed class RedisOutage(TimeProvider timeProvider, TimeSpan retryInterval)
{
    private readonly long _retryTicks = (long)(retryInterval.Ticks * (timeProvider.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
    private long _until;
    private int _degraded;

    /// <summary>Whether the failure mode answers now (since a failure, and until it was recovered from).</summary>
    public bool IsDegraded => Volatile.Read(ref _degraded) == 1;

    /// <summary>Whether calls should not try Redis now (the retry interval since the last failure has not passed).</summary>
    public bool Resting => Volatile.Read(ref _until) is var until && until != 0 && timeProvider.GetTimestamp() < until;

    /// <summary>Records a failed call; <see langword="true"/> when it began an outage.</summary>
    public bool Fail()
    {
        Volatile.Write(ref _until, timeProvider.GetTimestamp() + _retryTicks);
        return Interlocked.Exchange(ref _degraded, 1) == 0;
    }

    /// <summary>Records a call that succeeded; <see langword="true"/> when it ended an outage.</summary>
    public bool Recover()
    {
        if (Volatile.Read(ref _degraded) == 1 && Interlocked.Exchange(ref _degraded, 0) == 1)
        {
            Volatile.Write(ref _until, 0);
            return true;
        }

        return false;
    }
}
