using System.Collections.Concurrent;
using System.Diagnostics;
using Floodgate.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Floodgate.Redis.Tests;

/// <summary>During a Sentinel failover the health never says Healthy while the store decides in memory, and decisions return to the promoted replica.</summary>
public sealed class FailoverHealthTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PrimaryKilled_HealthIsNeverHealthyWhileDecidingInMemory_ThenHealthyOnThePromotedReplica()
    {
        // As the service does with Sentinel (see Program.cs): StackExchange.Redis blocks pool threads during a switch.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(completionPorts, 32));
        using var group = RedisSentinelGroup.TryStart(out var reason);
        if (group is null)
        {
            RequiredService.Unavailable(reason);
            return;
        }

        var output = TestContext.Current.TestOutputHelper;
        var options = new RedisStoreOptions { Configuration = group.Configuration, KeyPrefix = RedisFixture.UniquePrefix() };
        using var connection = FloodgateRedisBuilderExtensions.Connect(options);
        using var store = new RedisRateLimitStore(connection, options);
        var check = new RedisHealthCheck(connection, options, TimeProvider.System, store, null);
        var limit = new RateLimit(1_000_000, TimeSpan.FromHours(1));
        await Poll.UntilAsync(async () => (await check.CheckHealthAsync(new HealthCheckContext(), Token)).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(20), "Healthy before the failover", Token);

        var events = new ConcurrentQueue<string>();
        store.DegradedChanged += degraded => events.Enqueue(degraded ? "degraded" : "recovered");
        var lies = new ConcurrentQueue<string>();
        var errors = new ConcurrentQueue<Exception>();
        long slowest = 0;
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await store.AcquireAsync($"client-{i}", limit);
                }
                catch (Exception ex)
                {
                    errors.Enqueue(ex);
                }

                var ticks = Stopwatch.GetElapsedTime(started).Ticks;
                InterlockedMax(ref slowest, ticks);
                await Task.Delay(2);
            }
        })).ToArray();
        var health = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var degradedBefore = store.IsDegraded;
                var result = await check.CheckHealthAsync(new HealthCheckContext());
                if (result.Status == HealthStatus.Healthy && degradedBefore && store.IsDegraded)
                {
                    lies.Enqueue(result.Description ?? string.Empty);
                }

                await Task.Delay(20);
            }
        });

        try
        {
            group.Primary.Kill();
            await Poll.UntilAsync(() => store.IsDegraded, TimeSpan.FromSeconds(10), "the store to notice the primary is gone", Token);
            await Poll.UntilAsync(() => group.AnySentinelReportsPrimary(group.Replica.Port), TimeSpan.FromSeconds(30), "the sentinels to promote the replica", Token);
            events.Enqueue("switched");
            await Poll.UntilAsync(() => !store.IsDegraded, TimeSpan.FromSeconds(30), "decisions to return to Redis", Token);
            await Poll.UntilAsync(async () => (await check.CheckHealthAsync(new HealthCheckContext(), Token)).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(20), "Healthy after the failover", Token);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(callers);
            await health;
        }

        output?.WriteLine($"events: {string.Join(", ", events)}; slowest call {TimeSpan.FromTicks(slowest).TotalMilliseconds:F0} ms");
        Assert.Empty(lies);
        Assert.Empty(errors);
        Assert.True((await store.AcquireAsync("after", limit, 1, Token)).IsAllowed);
        Assert.False(store.IsDegraded);
        Assert.Equal(1L, group.Replica.Call("EXISTS", store.StateKey("after", limit))); // decided by the promoted replica
        Assert.Equal("degraded", events.First());
        Assert.Contains("recovered", events);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }
}
