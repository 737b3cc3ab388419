using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// Tells whether decisions are made by the Redis primary. Unhealthy when a Redis call failed for a reason other than
/// an outage within the last minute (a script error: a bug, never answered by the failure mode). Otherwise Healthy
/// only when the store and the penalty box decide in Redis and the primary answers a <c>PING</c> in time (sent to the
/// primary only: a replica's answer says nothing about where decisions are made). Else Degraded while the store falls
/// back to memory, Unhealthy with <see cref="RedisFailureMode.FailOpen"/> or <see cref="RedisFailureMode.FailClosed"/>.
/// </summary>
public sealed class RedisHealthCheck : IHealthCheck
{
    /// <summary>How long a call that failed for a reason other than an outage keeps the check Unhealthy.</summary>
    private static readonly TimeSpan BugMemory = TimeSpan.FromMinutes(1);

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly RedisRateLimitStore? _store;
    private readonly RedisPenaltyBox? _bans;

    /// <summary>A check of the connection alone: Healthy when the primary answers a <c>PING</c> in time.</summary>
    public RedisHealthCheck(IConnectionMultiplexer redis, RedisStoreOptions options, TimeProvider timeProvider)
        : this(redis, options, timeProvider, null, null)
    {
    }

    /// <summary>A check of the connection and of where <paramref name="store"/> and <paramref name="bans"/> decide.</summary>
    public RedisHealthCheck(IConnectionMultiplexer redis, RedisStoreOptions options, TimeProvider timeProvider, RedisRateLimitStore? store, RedisPenaltyBox? bans)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _redis = redis;
        _options = options;
        _timeProvider = timeProvider;
        _store = store;
        _bans = bans;
    }

    /// <summary>The shared identity ceiling, whose script errors make the check Unhealthy too.</summary>
    internal RedisIdentityLedger? Identities { get; init; }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if ((RecentBug(_store?.LastBug) ?? RecentBug(_bans?.LastBug) ?? RecentBug(Identities?.LastBug)) is { } bug)
        {
            return HealthCheckResult.Unhealthy($"A Redis call failed for a reason other than an outage (a bug, not answered by the failure mode): {bug.Exception.Message}", bug.Exception);
        }

        if (_store is { IsDegraded: true })
        {
            return NotDeciding("the rate-limit store", null);
        }

        if (_bans is { IsDegraded: true })
        {
            return NotDeciding("the penalty box", null);
        }

        try
        {
            var deadline = TimeSpan.FromTicks(Math.Max(_options.Timeout.Ticks * 4, TimeSpan.TicksPerMillisecond * 200));
            var latency = await _redis.GetDatabase().PingAsync(CommandFlags.DemandMaster).WaitAsync(deadline, _timeProvider, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"The Redis primary answered in {latency.TotalMilliseconds:F1} ms.");
        }
        catch (Exception ex) when (RedisOutage.Classify(ex) != RedisFailureKind.Bug)
        {
            return NotDeciding("no primary", ex);
        }
    }

    private HealthCheckResult NotDeciding(string what, Exception? exception) => _options.FailureMode == RedisFailureMode.FallbackToMemory
        ? HealthCheckResult.Degraded($"Redis cannot be reached ({what}); deciding in memory until the primary answers.", exception)
        : HealthCheckResult.Unhealthy($"Redis cannot be reached ({what}); failure mode {_options.FailureMode}.", exception);

    private RedisCallFailure? RecentBug(RedisCallFailure? failure) =>
        failure is not null && _timeProvider.GetElapsedTime(failure.At) < BugMemory ? failure : null;
}
