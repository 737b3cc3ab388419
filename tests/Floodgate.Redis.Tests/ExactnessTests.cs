using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>
/// Several application instances sharing one Redis never admit more than the limit, on Redis TIME (the production
/// clock), failing closed: a decision not made by Redis would be a denial, and the count would fall short.
/// </summary>
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
        // A day: the window turns over only at midnight UTC, and a day's refill (or emission interval) is far longer than the test.
        var limit = new RateLimit(limitCount, TimeSpan.FromDays(1), algorithm);
        var prefix = RedisFixture.UniquePrefix();
        var options = new RedisStoreOptions { KeyPrefix = prefix, FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(10) };
        using var connectionA = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var connectionB = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var instanceA = new RedisRateLimitStore(connectionA, options);
        using var instanceB = new RedisRateLimitStore(connectionB, options);
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
        RedisAssert.DecidedByRedis(instanceA, server, "shared", limit);
        RedisAssert.DecidedByRedis(instanceB, server, "shared", limit);
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
        var options = new RedisStoreOptions { KeyPrefix = prefix, FailureMode = RedisFailureMode.FailClosed };
        using var early = new RedisRateLimitStore(connection, options, new FakeTimeProvider(RateLimitStoreContract.Start));
        using var late = new RedisRateLimitStore(connection, options, new FakeTimeProvider(RateLimitStoreContract.Start.AddYears(1)));
        var admitted = 0;
        for (var i = 0; i < 30; i++)
        {
            admitted += (await (i % 2 == 0 ? early : late).AcquireAsync("k", limit)).IsAllowed ? 1 : 0;
        }

        Assert.Equal(20, admitted);
        var ttl = await connection.GetDatabase().KeyTimeToLiveAsync(early.StateKey("k", limit));
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(23), TimeSpan.FromDays(1) + TimeSpan.FromSeconds(5));
        RedisAssert.DecidedByRedis(late, server, "k", limit);
    }

    [Fact]
    public void Configuration_CannotSwitchTheStoreToTheApplicationClock()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Floodgate:Redis:UseApplicationClock"] = "true",
            ["Floodgate:Redis:KeyPrefix"] = "bound",
        }).Build();
        var options = new RedisStoreOptions();

        configuration.GetSection(RedisStoreOptions.SectionName).Bind(options);

        Assert.Equal("bound", options.KeyPrefix);
        Assert.False(options.UseApplicationClock);
    }
}
