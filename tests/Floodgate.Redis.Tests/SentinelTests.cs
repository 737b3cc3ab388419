using System.Collections.Concurrent;
using Floodgate.Testing;

namespace Floodgate.Redis.Tests;

/// <summary>
/// Through Sentinel, a failover of the primary costs no request: memory decides meanwhile, then Redis again. Each step
/// is an event waited for (the sentinels' report, the store's transition, round trips), never a duration; how long a
/// failover takes is measured by the benchmarks, not asserted here.
/// </summary>
public sealed class SentinelTests
{
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
        RedisAssert.HoldsWithTtl(group.Primary, store.StateKey("before", probe));

        var transitions = new ConcurrentQueue<bool>();
        store.DegradedChanged += transitions.Enqueue;
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
            var warmUp = store.RoundTrips;
            await Poll.UntilAsync(() => store.RoundTrips > warmUp + 20, TimeSpan.FromSeconds(10), "twenty round trips to the primary", Token);
            Assert.False(store.IsDegraded);
            RedisAssert.HoldsWithTtl(group.Primary, store.StateKey("client-0", limit));

            // Crash the primary; the sentinels notice after 1 s and promote the replica.
            group.Primary.Kill();
            var decisionsAtKill = Interlocked.Read(ref decisions);
            await Poll.UntilAsync(() => group.AnySentinelReportsPrimary(group.Replica.Port), TimeSpan.FromSeconds(30), "the sentinels to promote the replica", Token);
            var decisionsDuringOutage = Interlocked.Read(ref decisions) - decisionsAtKill;
            output.WriteLine($"{decisionsDuringOutage} decisions were made in memory until the sentinels reported the new primary.");

            // Back in Redis: the store leaves its failure mode on a successful script reply from the new primary.
            // (It can come before the sentinels report: the promoted replica takes writes a moment before they say so.)
            await Poll.UntilAsync(() => !store.IsDegraded && transitions.LastOrDefault() is false, TimeSpan.FromSeconds(20), "decisions to return to Redis", Token);

            // And stays there: scripts keep going to the new primary and succeed (twenty more round trips, however
            // slowly a busy machine schedules the callers), without falling back again.
            var roundTrips = store.RoundTrips;
            await Poll.UntilAsync(() => store.RoundTrips > roundTrips + 20, TimeSpan.FromSeconds(10), "twenty round trips to the new primary", Token);
            Assert.False(store.IsDegraded);
            Assert.Equal(9, (await store.AcquireAsync("after", probe, 1, Token)).Remaining);
            RedisAssert.HoldsWithTtl(group.Replica, store.StateKey("after", probe));

            Assert.True(transitions.First(), "the first transition after the kill was not into the failure mode");
            Assert.False(transitions.Last());
            Assert.True(decisionsDuringOutage > 0, "no decision was made while the primary was down");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(callers);
        }

        Assert.Empty(errors);
    }
}
