using System.Net.Sockets;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// Whether Redis is gone, as opposed to one call being slow. A lost or refused connection (or a server that says it
/// cannot take writes now: loading, read-only, no primary; or a timeout while no primary is connected) is an outage
/// at once. A timeout is only one slow call:
/// the outage begins at the <c>TimeoutsBeforeOutage</c>-th timeout in a row, counting only timeouts of calls begun
/// after the previous counted timeout was seen, so that the calls that were in flight together during one stall
/// count once. During an outage calls go to the failure mode for <c>RetryInterval</c> (or until the connection is
/// restored), then the next call tries Redis again; the first call that succeeds ends the outage.
/// Shared by the store and the penalty box, each with its own.
/// </summary>
internal sealed class RedisOutage
{
    private readonly TimeProvider _timeProvider;
    private readonly long _retryTicks;
    private readonly int _timeoutsBeforeOutage;
    private readonly Lock _gate = new();
    private long _until;
    private int _degraded;
    private int _timeouts;
    private long _lastTimeoutAt;
    private long _degradedSince;
    private long _degradedTotal;
    private long _outages;

    public RedisOutage(TimeProvider timeProvider, TimeSpan retryInterval, int timeoutsBeforeOutage)
    {
        _timeProvider = timeProvider;
        _retryTicks = (long)(retryInterval.Ticks * (timeProvider.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
        _timeoutsBeforeOutage = timeoutsBeforeOutage;
    }

    /// <summary>Whether the failure mode answers now (since the outage began, and until it was recovered from).</summary>
    public bool IsDegraded => Volatile.Read(ref _degraded) == 1;

    /// <summary>Whether calls should not try Redis now (the retry interval since the last failure has not passed).</summary>
    public bool Resting => Volatile.Read(ref _until) is var until && until != 0 && _timeProvider.GetTimestamp() < until;

    /// <summary>Outages begun since this instance was created.</summary>
    public long Outages => Interlocked.Read(ref _outages);

    /// <summary>Timeouts in a row that have not (yet) made an outage.</summary>
    public int Timeouts => Volatile.Read(ref _timeouts);

    /// <summary>The time spent in outages, the current one included.</summary>
    public TimeSpan DegradedTime
    {
        get
        {
            lock (_gate)
            {
                var total = _degradedTotal;
                if (_degraded == 1)
                {
                    total += _timeProvider.GetTimestamp() - _degradedSince;
                }

                return TimeSpan.FromSeconds(total / (double)_timeProvider.TimestampFrequency);
            }
        }
    }

    /// <summary>What <paramref name="exception"/> says about Redis.</summary>
    public static RedisFailureKind Classify(Exception exception) => exception switch
    {
        TimeoutException => RedisFailureKind.Slow, // RedisTimeoutException too
        RedisConnectionException or ObjectDisposedException or IOException or SocketException => RedisFailureKind.Unreachable,
        RedisServerException server when IsUnavailableReply(server.Message) => RedisFailureKind.Unreachable,
        RedisServerException server when server.Message.StartsWith("BUSY", StringComparison.Ordinal) => RedisFailureKind.Slow,
        AggregateException { InnerExceptions.Count: 1 } aggregate => Classify(aggregate.InnerExceptions[0]),
        _ => RedisFailureKind.Bug,
    };

    /// <summary>
    /// What <paramref name="exception"/> says about <paramref name="redis"/>: a timeout while no primary is connected
    /// (the connection dropped and is being made again, as after a primary is killed) is no slow call but an outage.
    /// </summary>
    public static RedisFailureKind Classify(Exception exception, IConnectionMultiplexer redis)
    {
        var kind = Classify(exception);
        return kind == RedisFailureKind.Slow && !HasConnectedPrimary(redis) ? RedisFailureKind.Unreachable : kind;
    }

    private static bool HasConnectedPrimary(IConnectionMultiplexer redis)
    {
        foreach (var endpoint in redis.GetEndPoints(configuredOnly: false))
        {
            var server = redis.GetServer(endpoint);
            if (server.IsConnected && !server.IsReplica)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Records the failure of a call begun at <paramref name="startedAt"/> (a <see cref="TimeProvider.GetTimestamp"/>):
    /// <see langword="true"/> when Redis is now taken to be gone (the failure mode answers),
    /// <see langword="false"/> when it was one slow call and Redis is still taken to be there.
    /// </summary>
    public bool Fail(RedisFailureKind kind, long startedAt, out bool began)
    {
        var now = _timeProvider.GetTimestamp();
        lock (_gate)
        {
            began = false;
            if (kind == RedisFailureKind.Slow && _degraded == 0)
            {
                if (startedAt < _lastTimeoutAt)
                {
                    return false; // in flight together with a timeout already counted: the same stall
                }

                _lastTimeoutAt = now;
                if (++_timeouts < _timeoutsBeforeOutage)
                {
                    return false;
                }
            }

            Volatile.Write(ref _until, now + _retryTicks);
            if (_degraded == 0)
            {
                _degradedSince = now;
                Volatile.Write(ref _degraded, 1);
                Interlocked.Increment(ref _outages);
                began = true;
            }

            return true;
        }
    }

    /// <summary>Lets the next call try Redis at once (the connection was restored or the primary changed).</summary>
    public void RetryNow() => Volatile.Write(ref _until, 0);

    /// <summary>Records a call that succeeded; <see langword="true"/> when it ended an outage.</summary>
    public bool Recover()
    {
        if (Volatile.Read(ref _timeouts) == 0 && Volatile.Read(ref _degraded) == 0)
        {
            return false;
        }

        lock (_gate)
        {
            _timeouts = 0;
            if (_degraded == 0)
            {
                return false;
            }

            _degradedTotal += _timeProvider.GetTimestamp() - _degradedSince;
            Volatile.Write(ref _degraded, 0);
            Volatile.Write(ref _until, 0);
            return true;
        }
    }

    /// <summary>Replies by which a server says it cannot decide now, though nothing is wrong with the call.</summary>
    private static bool IsUnavailableReply(string message) =>
        message.StartsWith("LOADING", StringComparison.Ordinal)
        || message.StartsWith("READONLY", StringComparison.Ordinal)
        || message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
        || message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("NOREPLICAS", StringComparison.Ordinal)
        || message.StartsWith("MISCONF", StringComparison.Ordinal);
}

/// <summary>What a failed Redis call says.</summary>
internal enum RedisFailureKind
{
    /// <summary>Not Redis's doing: a script error, a bad argument, our own bug. Fails loudly.</summary>
    Bug,

    /// <summary>The call took longer than <c>Timeout</c>; Redis may still be there.</summary>
    Slow,

    /// <summary>No connection, or a server that cannot take the call now.</summary>
    Unreachable,
}
