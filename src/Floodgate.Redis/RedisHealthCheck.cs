using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// Healthy when Redis answers a PING in time; Degraded when it does not but the store falls back to memory;
/// Unhealthy when it does not and the failure mode is FailOpen or FailClosed.
/// </summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis, RedisStoreOptions options, TimeProvider timeProvider) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromTicks(Math.Max(options.Timeout.Ticks * 4, TimeSpan.TicksPerMillisecond * 200)), timeProvider, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            return options.FailureMode == RedisFailureMode.FallbackToMemory
                ? HealthCheckResult.Degraded("Redis cannot be reached; deciding in memory until it answers.", ex)
                : HealthCheckResult.Unhealthy($"Redis cannot be reached; failure mode {options.FailureMode}.", ex);
        }
    }
}
