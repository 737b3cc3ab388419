using Floodgate.AspNetCore;
using Floodgate.Identities;
using Floodgate.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>
/// The identity ceiling counted in Redis: one count per address for every instance. Each test proves that Redis
/// answered (the address's set is in Redis, calls were made) rather than a fallback; windows are Redis's own
/// (<c>PEXPIRE</c>), so a window's end is simulated by deleting the key as Redis would, and this instance's memory
/// of answers follows a fake clock.
/// </summary>
public sealed class RedisIdentityLedgerTests(RedisFixture redis)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CeilingCountsAcrossInstances_AndTheOneBeyondItMakesEveryIdentityTheAddress()
    {
        var (server, prefix) = (Server(), RedisFixture.UniquePrefix());
        using var connectionA = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var connectionB = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        var clockA = new FakeTimeProvider();
        var a = Ledger(connectionA, prefix, clockA);
        var b = Ledger(connectionB, prefix, new FakeTimeProvider());

        Assert.True(await a.AdmitAsync("ip:1", "key:1", 3, Window, Token));
        Assert.True(await a.AdmitAsync("ip:1", "key:2", 3, Window, Token));
        Assert.True(await b.AdmitAsync("ip:1", "key:3", 3, Window, Token));
        Assert.True(await b.AdmitAsync("ip:1", "key:1", 3, Window, Token)); // known already: no fourth identity
        Assert.Equal(3L, server.Call("SCARD", a.Key("ip:1")));

        // The fourth distinct identity, on B, is the address; so is every identity of the address from then on.
        Assert.False(await b.AdmitAsync("ip:1", "key:4", 3, Window, Token));
        Assert.False(await b.AdmitAsync("ip:1", "key:1", 3, Window, Token));
        Assert.Equal(["!"], ((object?[])server.Call("SMEMBERS", a.Key("ip:1"))!).Cast<string>());

        // A believed key:1 a moment ago and keeps believing it only until it asks again.
        Assert.True(await a.AdmitAsync("ip:1", "key:1", 3, Window, Token));
        clockA.Advance(RedisIdentityLedger.Recheck);
        Assert.False(await a.AdmitAsync("ip:1", "key:1", 3, Window, Token));

        // Another address has a ceiling of its own.
        Assert.True(await a.AdmitAsync("ip:2", "key:4", 3, Window, Token));
    }

    [Fact]
    public async Task AnswersAreKept_SoThatAKnownIdentityAndAnAddressOverItsCeilingCostNoCall()
    {
        var (server, prefix) = (Server(), RedisFixture.UniquePrefix());
        using var connection = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        var clock = new FakeTimeProvider();
        var ledger = Ledger(connection, prefix, clock);

        Assert.True(await ledger.AdmitAsync("ip:1", "key:1", 1, Window, Token));
        var calls = ledger.Calls;
        Assert.True(AnsweredAtOnce(ledger.AdmitAsync("ip:1", "key:1", 1, Window, Token)));
        Assert.Equal(calls, ledger.Calls);

        Assert.False(await ledger.AdmitAsync("ip:1", "key:2", 1, Window, Token));
        calls = ledger.Calls;
        clock.Advance(TimeSpan.FromMinutes(5)); // well past a recheck, within the window Redis reported
        Assert.False(AnsweredAtOnce(ledger.AdmitAsync("ip:1", "key:3", 1, Window, Token)));
        Assert.False(AnsweredAtOnce(ledger.AdmitAsync("ip:1", "key:1", 1, Window, Token)));
        Assert.Equal(calls, ledger.Calls);
    }

    [Fact]
    public async Task WindowStartsWithTheFirstIdentity_AndGoingOverKeepsItsEnd()
    {
        var (server, prefix) = (Server(), RedisFixture.UniquePrefix());
        using var connection = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        var ledger = Ledger(connection, prefix, new FakeTimeProvider());
        var key = ledger.Key("ip:1");

        Assert.True(await ledger.AdmitAsync("ip:1", "key:1", 1, Window, Token));
        Assert.InRange((long)server.Call("PTTL", key)!, 1, (long)Window.TotalMilliseconds);

        // Most of the window gone (as Redis would count it), the address goes over: its window still ends then.
        server.Call("PEXPIRE", key, "5000");
        Assert.False(await ledger.AdmitAsync("ip:1", "key:2", 1, Window, Token));
        Assert.InRange((long)server.Call("PTTL", key)!, 1, 5000);

        // The window over (Redis drops the key), the address starts afresh.
        server.Call("DEL", key);
        var fresh = Ledger(connection, prefix, new FakeTimeProvider());
        Assert.True(await fresh.AdmitAsync("ip:1", "key:2", 1, Window, Token));
    }

    [Fact]
    public async Task RedisUnreachable_AnswersNull_SoThatEachInstanceCountsOnItsOwn()
    {
        var options = new RedisStoreOptions { Configuration = $"127.0.0.1:{RedisServer.FreePort()}" };
        using var connection = FloodgateRedisBuilderExtensions.Connect(options);
        var ledger = new RedisIdentityLedger(connection, options, new FakeTimeProvider());

        Assert.Null(await ledger.AdmitAsync("ip:1", "key:1", 3, Window, Token));
        Assert.Null(ledger.LastBug);
    }

    [Fact]
    public async Task ScriptError_IsABug_ThrownAndReported_NotCountedOnItsOwn()
    {
        var (server, prefix) = (Server(), RedisFixture.UniquePrefix());
        using var connection = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        var ledger = Ledger(connection, prefix, new FakeTimeProvider());
        server.Call("SET", ledger.Key("ip:1"), "not a set");

        await Assert.ThrowsAsync<RedisServerException>(async () => await ledger.AdmitAsync("ip:1", "key:1", 3, Window, Token));
        Assert.NotNull(ledger.LastBug);
    }

    [Fact]
    public async Task AddRedis_SharesTheCeiling_ThroughTheIdentityLedger()
    {
        var server = Server();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Floodgate:Redis:Configuration"] = server.Endpoint,
            ["Floodgate:Redis:KeyPrefix"] = RedisFixture.UniquePrefix(),
        }).Build());
        services.AddLogging();
        services.AddFloodgate().AddRedis();
        using var provider = services.BuildServiceProvider();

        var ledger = Assert.IsType<RedisIdentityLedger>(provider.GetRequiredService<IIdentityLedger>());
        await Poll.UntilAsync(() => provider.GetRequiredService<IConnectionMultiplexer>().IsConnected, TimeSpan.FromSeconds(10), "the connection to Redis", Token);
        Assert.True(await ledger.AdmitAsync("ip:1", "key:1", 3, Window, Token));
        Assert.Equal(1L, server.Call("EXISTS", ledger.Key("ip:1")));
    }

    private RedisServer Server()
    {
        redis.Require();
        return redis.Server ?? throw new InvalidOperationException();
    }

    private static RedisIdentityLedger Ledger(IConnectionMultiplexer connection, string prefix, TimeProvider clock) =>
        new(connection, new RedisStoreOptions { KeyPrefix = prefix, Timeout = TimeSpan.FromSeconds(5) }, clock);

    /// <summary>The answer of a call that completed before it returned (no round trip).</summary>
    private static bool? AnsweredAtOnce(ValueTask<bool?> pending)
    {
        Assert.True(pending.IsCompletedSuccessfully, "answered without a call to Redis");
        return pending.Result;
    }
}
