using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>Several application instances sharing one Redis never admit more than the limit.</summary>
public sealed class ExactnessTests(RedisFixture redis)
{
    public static TheoryData<RateLimitAlgorithm> Algorithms => new(Enum.GetValues<RateLimitAlgorithm>());

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task TwoInstances_64ConcurrentCallersEach_AdmitExactlyTheLimit(RateLimitAlgorithm algorithm)
    {
        var server = redis.Server ?? throw new InvalidOperationException();
        redis.Require();
        const int limitCount = 150;
        var limit = new RateLimit(limitCount, TimeSpan.FromHours(1), algorithm);
        var prefix = RedisFixture.UniquePrefix();
        var time = new FakeTimeProvider(RateLimitStoreContract.Start); // frozen: every instance decides at one instant
        using var connectionA = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var connectionB = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var instanceA = new RedisRateLimitStore(connectionA, new RedisStoreOptions { KeyPrefix = prefix, UseApplicationClock = true, Timeout = TimeSpan.FromSeconds(10) }, time);
        using var instanceB = new RedisRateLimitStore(connectionB, new RedisStoreOptions { KeyPrefix = prefix, UseApplicationClock = true, Timeout = TimeSpan.FromSeconds(10) }, time);
        var admitted = 0;

        var callers = Enumerable.Range(0, 128).Select(i => Task.Run(async () =>
        {
            var store = i % 2 == 0 ? instanceA : instanceB;
            for (var n = 0; n < 5; n++)
            {
                if ((await store.AcquireAsync("shared", limit)).IsAllowed)
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        }));
        await Task.WhenAll(callers);

        Assert.Equal(limitCount, admitted);
    }

    [Fact]
    public async Task ServerClock_IsUsedByDefault_AndTwoInstancesShareIt()
    {
        var server = redis.Server ?? throw new InvalidOperationException();
        redis.Require();
        var limit = new RateLimit(20, TimeSpan.FromDays(1), RateLimitAlgorithm.SlidingWindowLog);
        var prefix = RedisFixture.UniquePrefix();
        using var connection = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);

        // Application clocks a year apart: with Redis TIME they still agree.
        using var early = new RedisRateLimitStore(connection, new RedisStoreOptions { KeyPrefix = prefix }, new FakeTimeProvider(RateLimitStoreContract.Start));
        using var late = new RedisRateLimitStore(connection, new RedisStoreOptions { KeyPrefix = prefix }, new FakeTimeProvider(RateLimitStoreContract.Start.AddYears(1)));
        var admitted = 0;
        for (var i = 0; i < 30; i++)
        {
            admitted += (await (i % 2 == 0 ? early : late).AcquireAsync("k", limit)).IsAllowed ? 1 : 0;
        }

        Assert.Equal(20, admitted);
        var ttl = await connection.GetDatabase().KeyTimeToLiveAsync(early.StateKey("k", limit));
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(23), TimeSpan.FromDays(1) + TimeSpan.FromSeconds(5));
    }
}
