using System.Collections.Concurrent;
using Floodgate.Penalties;
using Floodgate.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>
/// Only an outage is answered by the failure mode: a script error fails loudly (an error in the log, Unhealthy, the
/// exception to the caller); and health is Healthy only while the primary decides.
/// </summary>
public sealed class HonestFailureTests(RedisFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ScriptError_IsThrownLoggedAndUnhealthy_NotAnsweredFromMemory()
    {
        var connection = fixture.Require();
        var options = new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix() };
        var log = new ListLogger<RedisRateLimitStore>();
        using var store = new RedisRateLimitStore(connection, options, TimeProvider.System, log);
        var limit = new RateLimit(10, TimeSpan.FromMinutes(1), RateLimitAlgorithm.FixedWindow);

        // A fixed window is a hash: a string under its key makes the script fail with WRONGTYPE.
        await connection.GetDatabase().StringSetAsync(store.StateKey("client", limit), "not a hash");

        await Assert.ThrowsAsync<RedisServerException>(async () => await store.AcquireAsync("client", limit, 1, Token));
        Assert.False(store.IsDegraded);
        Assert.Equal(0, store.Outages);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.EventId.Id == 105);
        var health = await new RedisHealthCheck(connection, options, TimeProvider.System, store, null).CheckHealthAsync(new HealthCheckContext(), Token);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
    }

    [Fact]
    public async Task PenaltyBoxScriptError_IsThrownLoggedAndUnhealthy_NotAnsweredFromMemory()
    {
        var connection = fixture.Require();
        var options = new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), Timeout = TimeSpan.FromSeconds(5) }; // a loaded machine is no outage
        var log = new ListLogger<RedisPenaltyBox>();
        using var bans = new RedisPenaltyBox(connection, options, new PenaltyOptions(), null, TimeProvider.System, log);

        // Violations are a list: a string under their key makes the script's LPUSH fail with WRONGTYPE.
        await connection.GetDatabase().StringSetAsync(options.KeyPrefix + ":violations:{client}", "not a list");

        await Assert.ThrowsAsync<RedisServerException>(async () => await bans.RecordViolationAsync("client", Token));
        Assert.False(bans.IsDegraded);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.EventId.Id == 106);
        var health = await new RedisHealthCheck(connection, options, TimeProvider.System, null, bans).CheckHealthAsync(new HealthCheckContext(), Token);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
    }

    [Fact]
    public async Task ReplicaAnswersPing_ButNoPrimary_IsDegraded()
    {
        using var primary = RedisServer.StartOrSkip();
        using var replica = RedisServer.StartOrSkip("--replicaof", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var options = new RedisStoreOptions { Configuration = replica.Endpoint };
        using var connection = FloodgateRedisBuilderExtensions.Connect(options);
        await Poll.UntilAsync(() => connection.IsConnected, TimeSpan.FromSeconds(10), "the connection to the replica", Token);
        await connection.GetDatabase().PingAsync(); // a plain PING is answered, by the replica

        var health = await new RedisHealthCheck(connection, options, TimeProvider.System).CheckHealthAsync(new HealthCheckContext(), Token);

        Assert.Equal(HealthStatus.Degraded, health.Status);
    }

    [Fact]
    public async Task StoreDecidingInMemory_IsDegraded_ThoughRedisAnswersPing()
    {
        using var server = RedisServer.StartOrSkip();

        var options = new RedisStoreOptions
        {
            Configuration = server.Endpoint,
            KeyPrefix = RedisFixture.UniquePrefix(),
            Timeout = TimeSpan.FromMilliseconds(100),
            TimeoutsBeforeOutage = 1,
            RetryInterval = TimeSpan.FromHours(1),
        };
        using var connection = await SlowRedisTests.ConnectedAsync(options);
        using var store = new RedisRateLimitStore(connection, options);
        var limit = new RateLimit(10, TimeSpan.FromMinutes(1));
        var check = new RedisHealthCheck(connection, options, TimeProvider.System, store, null);
        Assert.True((await store.AcquireAsync("client", limit, 1, Token)).IsAllowed);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext(), Token)).Status);

        server.Pause(TimeSpan.FromMilliseconds(300));
        await store.AcquireAsync("client", limit, 1, Token);
        Assert.True(store.IsDegraded);
        await Poll.UntilAsync(() => server.Command("PING") == "+PONG", TimeSpan.FromSeconds(10), "the pause to end", Token);
        await connection.GetDatabase().PingAsync(CommandFlags.DemandMaster); // the primary answers again

        var health = await check.CheckHealthAsync(new HealthCheckContext(), Token);

        Assert.Equal(HealthStatus.Degraded, health.Status);
    }

    /// <summary>Keeps what is logged, to assert on it.</summary>
    private sealed class ListLogger<T> : ILogger<T>
    {
        public ConcurrentQueue<(LogLevel Level, EventId EventId, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
    }
}
