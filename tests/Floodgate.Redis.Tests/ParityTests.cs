using CsCheck;
using Floodgate.Storage;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Redis.Tests;

/// <summary>
/// The C# algorithms and the Lua scripts are one truth: fed the same (time, cost) sequence, they decide identically.
/// The Redis store fails closed and must end undegraded with its state in Redis, so that its in-memory fallback (the same
/// C# algorithms) can never pass for the scripts. Both read one fake clock (the application-clock test hook).
/// </summary>
public sealed class ParityTests(RedisFixture redis)
{
    public static TheoryData<RateLimitAlgorithm> Algorithms => new(Enum.GetValues<RateLimitAlgorithm>());

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task MemoryAndRedis_DecideIdentically_OnGeneratedSequences(RateLimitAlgorithm algorithm)
    {
        var connection = redis.Require();
        var steps = Gen.Select(Gen.Int[0, 4_000], Gen.Int[0, 3], Gen.Bool).Array[1, 120];
        var limits = Gen.Select(Gen.Int[1, 12], Gen.Int[0, 4].Select(i => new[] { 1, 2, 5, 10, 60 }[i]), Gen.Int[0, 2]);
        var sample = Gen.Select(limits, steps);
        var iteration = 0;

        await sample.SampleAsync(
            async input =>
            {
                var ((count, seconds, burstChoice), sequence) = input;
                var burst = algorithm is RateLimitAlgorithm.TokenBucket or RateLimitAlgorithm.Gcra && burstChoice > 0 ? (long?)(count * burstChoice) : null;
                var limit = new RateLimit(count, TimeSpan.FromSeconds(seconds), algorithm, burst);
                var time = new FakeTimeProvider(RateLimitStoreContract.Start + TimeSpan.FromMilliseconds(Interlocked.Increment(ref iteration) * 7_919));
                using var memory = new InMemoryRateLimitStore(timeProvider: time);
                using var remote = new RedisRateLimitStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, FailureMode = RedisFailureMode.FailClosed, OverLimitCache = false, Timeout = TimeSpan.FromSeconds(5) }, time);

                foreach (var (advanceMs, cost, peek) in sequence)
                {
                    time.Advance(TimeSpan.FromMilliseconds(advanceMs));
                    var expected = peek ? await memory.PeekAsync("k", limit) : await memory.AcquireAsync("k", limit, cost);
                    var actual = peek ? await remote.PeekAsync("k", limit) : await remote.AcquireAsync("k", limit, cost);
                    if (expected != actual)
                    {
                        throw new InvalidOperationException($"{limit} at {time.GetUtcNow():O}, cost {cost}, peek {peek}: memory {expected} but Redis {actual}");
                    }
                }

                // A last admission on both, so that every sequence (even one of peeks only) leaves state in Redis.
                Assert.Equal(await memory.AcquireAsync("k", limit, 1), await remote.AcquireAsync("k", limit, 1));
                RedisAssert.DecidedByRedis(remote, redis.Server!, "k", limit);
            },
            iter: 40,
            threads: 1);
    }

    /// <summary>
    /// One request of five limits, one of each algorithm, with generated costs (a cost of 0, and costs that one limit can
    /// never admit): each limit is decided and its state written by its own algorithm, and the request consumes all or
    /// nothing, whichever limit denies it and for whichever reason.
    /// </summary>
    [Fact]
    public async Task MemoryAndRedis_DecideRequestsOfEveryAlgorithmIdentically()
    {
        var connection = redis.Require();
        var counts = Gen.Int[1, 4].Array[5];
        var steps = Gen.Select(Gen.Int[0, 3_000], Gen.Int[0, 3].Array[5]).Array[1, 60];
        var iteration = 0;

        await Gen.Select(counts, steps).SampleAsync(
            async input =>
            {
                var (count, sequence) = input;
                var algorithms = Enum.GetValues<RateLimitAlgorithm>();
                var limits = new RateLimit[algorithms.Length];
                for (var i = 0; i < limits.Length; i++)
                {
                    limits[i] = new RateLimit(count[i], TimeSpan.FromSeconds(2 + i), algorithms[i]);
                }

                var time = new FakeTimeProvider(RateLimitStoreContract.Start + TimeSpan.FromMilliseconds(Interlocked.Increment(ref iteration) * 7_919));
                using var memory = new InMemoryRateLimitStore(timeProvider: time);
                using var remote = new RedisRateLimitStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, FailureMode = RedisFailureMode.FailClosed, OverLimitCache = false, Timeout = TimeSpan.FromSeconds(5) }, time);
                var request = new RateLimitRequest[limits.Length];
                var expected = new RateLimitDecision[limits.Length];
                var actual = new RateLimitDecision[limits.Length];

                foreach (var (advanceMs, costs) in sequence)
                {
                    time.Advance(TimeSpan.FromMilliseconds(advanceMs));
                    for (var i = 0; i < limits.Length; i++)
                    {
                        request[i] = new RateLimitRequest("k", limits[i], costs[i]);
                    }

                    var fromMemory = await memory.AcquireAllAsync(request, expected);
                    var fromRedis = await remote.AcquireAllAsync(request, actual);
                    if (fromMemory != fromRedis || !expected.AsSpan().SequenceEqual(actual))
                    {
                        throw new InvalidOperationException($"at {time.GetUtcNow():O}, costs [{string.Join(", ", costs)}] of [{string.Join(", ", limits)}]: memory [{string.Join(", ", expected)}] but Redis [{string.Join(", ", actual)}]");
                    }
                }

                // A last admission of one unit on every limit, so that each leaves state in Redis.
                for (var i = 0; i < limits.Length; i++)
                {
                    request[i] = new RateLimitRequest("k", limits[i], 1);
                }

                time.Advance(TimeSpan.FromMinutes(1));
                Assert.True((await remote.AcquireAllAsync(request, actual)).IsAllowed);
                foreach (var limit in limits)
                {
                    RedisAssert.DecidedByRedis(remote, redis.Server!, "k", limit);
                }
            },
            iter: 40,
            threads: 1);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task MemoryAndRedis_DecideBatchesIdentically(RateLimitAlgorithm algorithm)
    {
        var connection = redis.Require();
        var time = new FakeTimeProvider(RateLimitStoreContract.Start);
        using var memory = new InMemoryRateLimitStore(timeProvider: time);
        using var remote = new RedisRateLimitStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, FailureMode = RedisFailureMode.FailClosed, OverLimitCache = false, Timeout = TimeSpan.FromSeconds(5) }, time);
        RateLimitRequest[] batch =
        [
            new("global", new RateLimit(7, TimeSpan.FromSeconds(10), algorithm), 1, RateLimitLayer.Global),
            new("client", new RateLimit(3, TimeSpan.FromSeconds(2), algorithm), 1, RateLimitLayer.Client),
            new("client", new RateLimit(5, TimeSpan.FromSeconds(30), algorithm), 1, RateLimitLayer.Client),
        ];

        for (var i = 0; i < 60; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(137 * (i % 7)));
            var expected = new RateLimitDecision[3];
            var actual = new RateLimitDecision[3];
            var e = await memory.AcquireAllAsync(batch, expected);
            var a = await remote.AcquireAllAsync(batch, actual);
            Assert.Equal(e, a);
            Assert.Equal(expected, actual);
        }

        foreach (var request in batch)
        {
            RedisAssert.DecidedByRedis(remote, redis.Server!, request.Key, request.Limit);
        }
    }
}
