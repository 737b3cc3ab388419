using System.Diagnostics.Metrics;
using Floodgate.Diagnostics;

namespace Floodgate.Redis;

/// <summary>
/// The Redis store's instruments on the <c>Floodgate</c> meter: whether it decides with its failure mode now, how
/// often it switched to it, and for how long. (Failed calls are counted by <c>floodgate.store.errors</c>.)
/// </summary>
internal static class RedisStoreMetrics
{
    public static RedisRateLimitStore Observe(RedisRateLimitStore store, IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            return store;
        }

        var meter = meterFactory.Create(FloodgateMetrics.MeterName);
        meter.CreateObservableGauge("floodgate.store.degraded", () => store.IsDegraded ? 1 : 0, "{state}", "1 while the Redis store decides with its failure mode instead of Redis.");
        meter.CreateObservableCounter("floodgate.store.outages", () => store.Outages, "{outage}", "Times the Redis store took Redis to be gone and switched to its failure mode.");
        meter.CreateObservableCounter("floodgate.store.degraded_time", () => store.DegradedTime.TotalSeconds, "s", "Time the Redis store spent deciding with its failure mode.");
        return store;
    }
}
