using Floodgate.Penalties;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>Bans in Redis hold on every instance.</summary>
public sealed class RedisPenaltyBoxTests(RedisFixture redis)
{
    private static readonly PenaltyOptions Options = new() { Violations = 3, Window = TimeSpan.FromMinutes(5), BanDuration = TimeSpan.FromMinutes(15), Escalate = true };

    [Fact]
    public async Task BanEarnedOnOneInstance_HoldsOnTheOther_AndUnbanLiftsItEverywhere()
    {
        var server = redis.Server!;
        redis.Require();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, Timeout = TimeSpan.FromSeconds(5) };
        using var connectionA = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var connectionB = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var storeA = new RedisRateLimitStore(connectionA, options, time);
        using var storeB = new RedisRateLimitStore(connectionB, options, time);
        using var boxA = new RedisPenaltyBox(connectionA, storeA, options, Options, time);
        using var boxB = new RedisPenaltyBox(connectionB, storeB, options, Options, time);

        Assert.Null(await boxA.RecordViolationAsync("client"));
        Assert.Null(await boxB.RecordViolationAsync("client")); // violations are counted together
        var ban = await boxA.RecordViolationAsync("client");

        Assert.NotNull(ban);
        Assert.Equal(TimeSpan.FromMinutes(15), ban.ExpiresAt - ban.BannedAt);
        Assert.Equal("client", (await boxB.GetBanAsync("client"))?.ClientId);
        Assert.Equal("client", Assert.Single(await boxB.ListBansAsync()).ClientId);

        Assert.True(await boxB.UnbanAsync("client"));
        Assert.Null(await boxA.GetBanAsync("client"));
        Assert.Empty(await boxA.ListBansAsync());
        Assert.False(await boxA.UnbanAsync("client"));
    }

    [Fact]
    public async Task RepeatBans_Escalate_AndOperatorBansAreListed()
    {
        var connection = redis.Require();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, Timeout = TimeSpan.FromSeconds(5) };
        using var store = new RedisRateLimitStore(connection, options, time);
        using var box = new RedisPenaltyBox(connection, store, options, Options, time);

        var first = await box.BanAsync("repeat", TimeSpan.FromMinutes(15), "operator");
        var second = await box.BanAsync("repeat", TimeSpan.FromMinutes(20), "operator again");
        BanRecord? earned = null;
        for (var i = 0; i < 3; i++)
        {
            earned = await box.RecordViolationAsync("repeat") ?? earned;
        }

        Assert.Equal(1, first.Strike);
        Assert.Equal(2, second.Strike);
        Assert.NotNull(earned);
        Assert.Equal(3, earned.Strike);
        Assert.Equal(TimeSpan.FromMinutes(60), earned.ExpiresAt - earned.BannedAt); // 15 doubled twice
        Assert.Equal("repeat", Assert.Single(await box.ListBansAsync()).ClientId);
    }

    [Fact]
    public async Task RedisGone_FallsBackToMemory_WithoutThrowing()
    {
        var port = RedisServer.FreePort();
        using var connection = FloodgateRedisBuilderExtensions.Connect(new RedisStoreOptions { Configuration = $"127.0.0.1:{port}" });
        var options = new RedisStoreOptions { Timeout = TimeSpan.FromMilliseconds(50) };
        using var store = new RedisRateLimitStore(connection, options);
        using var box = new RedisPenaltyBox(connection, store, options, Options);

        var ban = await box.BanAsync("c", TimeSpan.FromMinutes(1), "operator");

        Assert.Equal("c", ban.ClientId);
        Assert.Equal("c", (await box.GetBanAsync("c"))?.ClientId);
        Assert.Single(await box.ListBansAsync());
    }
}
