using System.Collections.Concurrent;
using System.Diagnostics;
using Floodgate.Testing;

namespace Floodgate.Redis.Tests;

/// <summary>Through Sentinel, a failover of the primary costs no request: memory decides meanwhile, then Redis again.</summary>
public sealed class SentinelTests
{
    /// <summary>From the moment the sentinels report the new primary to the first decision made by it.</summary>
    private static readonly TimeSpan FailoverBudget = TimeSpan.FromSeconds(5);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PrimaryKilled_DecisionsContinueInMemory_AndReturnToTheNewPrimarySoonAfterTheFailover()
    {
        // StackExchange.Redis blocks thread-pool threads while it follows a Sentinel switch (synchronous waits in its
        // handlers); on a small, busy machine a pool at its minimum grows too slowly and the switch takes seconds longer.
        // An application using Sentinel raises the minimum, as the README says; so does this test.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), completionPorts);
        using var group = RedisSentinelGroup.TryStart(out var reason);
        if (group is null)
        {
            RequiredService.Unavailable(reason);
            return;
        }

        var output = TestContext.Current.TestOutputHelper ?? throw new InvalidOperationException("No test output.");
        var options = new RedisStoreOptions
        {
            Configuration = group.Configuration,
            KeyPrefix = RedisFixture.UniquePrefix(),
            Timeout = TimeSpan.FromMilliseconds(500),
            RetryInterval = TimeSpan.FromMilliseconds(200),
        };
        using var connection = FloodgateRedisBuilderExtensions.Connect(options);
        using var store = new RedisRateLimitStore(connection, options);
        var limit = new RateLimit(1_000_000, TimeSpan.FromHours(1), RateLimitAlgorithm.SlidingWindowCounter);
        var probe = new RateLimit(10, TimeSpan.FromHours(1), RateLimitAlgorithm.FixedWindow);

        // Through the sentinels, decisions are made by the primary.
        Assert.Equal(9, (await store.AcquireAsync("before", probe, 1, Token)).Remaining);
        Assert.False(store.IsDegraded);
        Assert.Equal(1L, group.Primary.Call("EXISTS", store.StateKey("before", probe)));

        var transitions = new ConcurrentQueue<(bool Degraded, long At)>();
        store.DegradedChanged += degraded => transitions.Enqueue((degraded, Stopwatch.GetTimestamp()));
        var errors = new ConcurrentQueue<Exception>();
        long decisions = 0;
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            var key = $"client-{i}";
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await store.AcquireAsync(key, limit);
                    Interlocked.Increment(ref decisions);
                }
                catch (Exception ex)
                {
                    errors.Enqueue(ex);
                }

                await Task.Delay(2);
            }
        })).ToArray();

        try
        {
            await Task.Delay(300, Token);
            Assert.False(store.IsDegraded);

            // Crash the primary; the sentinels notice after 1 s and promote the replica.
            var killedAt = Stopwatch.GetTimestamp();
            group.Primary.Kill();
            var decisionsAtKill = Interlocked.Read(ref decisions);
            await Poll.UntilAsync(() => group.AnySentinelReportsPrimary(group.Replica.Port), TimeSpan.FromSeconds(30), "the sentinels to promote the replica", Token);
            var promotedAt = Stopwatch.GetTimestamp();
            var decisionsDuringOutage = Interlocked.Read(ref decisions) - decisionsAtKill;
            output.WriteLine($"The sentinels reported the new primary {Stopwatch.GetElapsedTime(killedAt, promotedAt).TotalMilliseconds:F0} ms after the kill; {decisionsDuringOutage} decisions were made in memory meanwhile.");

            // Back in Redis: the store leaves its failure mode on a successful script reply from the new primary.
            // (It can come before the sentinels report: the promoted replica takes writes a moment before they say so.)
            await Poll.UntilAsync(() => !store.IsDegraded && transitions.LastOrDefault() is { Degraded: false }, TimeSpan.FromSeconds(20), "decisions to return to Redis", Token);
            var toRedis = Stopwatch.GetElapsedTime(promotedAt, transitions.Last().At);
            output.WriteLine($"The first decision made by the new primary came {toRedis.TotalMilliseconds:F0} ms after the sentinels reported it.");

            // And stays there: scripts keep going to the new primary and succeed (twenty more round trips, however
            // slowly a busy machine schedules the callers), without falling back again.
            var roundTrips = store.RoundTrips;
            await Poll.UntilAsync(() => store.RoundTrips > roundTrips + 20, TimeSpan.FromSeconds(10), "twenty round trips to the new primary", Token);
            Assert.False(store.IsDegraded);
            Assert.Equal(9, (await store.AcquireAsync("after", probe, 1, Token)).Remaining);
            Assert.Equal(1L, group.Replica.Call("EXISTS", store.StateKey("after", probe)));

            Assert.Contains(transitions, t => t.Degraded && t.At >= killedAt);
            Assert.True(decisionsDuringOutage > 0, "no decision was made while the primary was down");
            Assert.True(toRedis <= FailoverBudget, $"decisions returned to Redis {toRedis.TotalMilliseconds:F0} ms after the failover (budget {FailoverBudget.TotalMilliseconds:F0} ms)");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(callers);
        }

        Assert.Empty(errors);
    }
}
