using Floodgate.AspNetCore;
using Floodgate.Penalties;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>
/// Bans in Redis hold on every instance, with the in-memory box's rules, and never fail a request. The box falls back to
/// memory with the same rules, so each test proves that Redis held the ban: the box is not degraded and the ban key is in
/// Redis with its expiry. Tests that advance time read a fake clock (the application-clock test hook); the others read
/// Redis TIME, where a ban ends by its key's PEXPIRE.
/// </summary>
public sealed class RedisPenaltyBoxTests(RedisFixture redis)
{
    private readonly FakeTimeProvider _time = new(RateLimitStoreContract.Start);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static PenaltyOptions Rules(bool escalate = false) => new()
    {
        Violations = 3,
        Window = TimeSpan.FromMinutes(1),
        BanDuration = TimeSpan.FromMinutes(10),
        MaxBanDuration = TimeSpan.FromMinutes(30),
        Escalate = escalate,
    };

    [Fact]
    public async Task ViolationsUpToTheLimit_Ban_ThenCountingStartsAfresh()
    {
        using var box = Box(redis.Require(), RedisFixture.UniquePrefix(), Rules());

        Assert.Null(await box.RecordViolationAsync("client", Token));
        Assert.Null(await box.RecordViolationAsync("client", Token));
        var ban = await box.RecordViolationAsync("client", Token);

        Assert.NotNull(ban);
        Assert.Equal(new BanRecord("client", RateLimitStoreContract.Start, RateLimitStoreContract.Start.AddMinutes(10), 1, "3 violations within minute"), ban);
        Assert.Equal(ban, await box.GetBanAsync("client", Token));
        Assert.Null(await box.GetBanAsync("other", Token));
        RedisAssert.BannedInRedis(box, redis.Server!, "client");

        // The violations were cleared by the ban.
        Assert.Null(await box.RecordViolationAsync("client", Token));
        Assert.Null(await box.RecordViolationAsync("client", Token));
    }

    [Fact]
    public async Task ABan_ClearsTheViolations_SoCountingStartsAfreshWhenItEnds()
    {
        // A ban shorter than the window: the violations that led to it would still count when it ends.
        var rules = new PenaltyOptions { Violations = 3, Window = TimeSpan.FromHours(1), BanDuration = TimeSpan.FromMinutes(1), MaxBanDuration = TimeSpan.FromMinutes(30) };
        using var remote = Box(redis.Require(), RedisFixture.UniquePrefix(), rules);
        using var memory = new InMemoryPenaltyBox(rules, _time);
        IPenaltyBox[] boxes = [remote, memory];
        foreach (var box in boxes)
        {
            for (var i = 0; i < 3; i++)
            {
                await box.RecordViolationAsync("client", Token);
            }
        }

        _time.Advance(TimeSpan.FromMinutes(1)); // the ban has ended
        foreach (var box in boxes)
        {
            Assert.Null(await box.GetBanAsync("client", Token));
            Assert.Null(await box.RecordViolationAsync("client", Token));
            Assert.Null(await box.RecordViolationAsync("client", Token));
            Assert.NotNull(await box.RecordViolationAsync("client", Token));
        }

        RedisAssert.BannedInRedis(remote, redis.Server!, "client");
    }

    [Fact]
    public async Task ViolationsWhileBanned_CountForNothing_InBothBoxes()
    {
        using var remote = Box(redis.Require(), RedisFixture.UniquePrefix(), Rules(escalate: true));
        using var memory = new InMemoryPenaltyBox(Rules(escalate: true), _time);
        IPenaltyBox[] boxes = [remote, memory];
        foreach (var box in boxes)
        {
            await box.RecordViolationAsync("client", Token);
            await box.RecordViolationAsync("client", Token);
            var ban = await box.RecordViolationAsync("client", Token);
            Assert.Equal(1, ban!.Strike);

            // Requests that were in flight when the ban began: no second ban, no strike.
            for (var i = 0; i < 7; i++)
            {
                Assert.Null(await box.RecordViolationAsync("client", Token));
            }

            Assert.Equal(ban, await box.GetBanAsync("client", Token));
        }

        _time.Advance(TimeSpan.FromMinutes(11));
        foreach (var box in boxes)
        {
            Assert.Null(await box.RecordViolationAsync("client", Token));
            Assert.Null(await box.RecordViolationAsync("client", Token));
            var second = await box.RecordViolationAsync("client", Token);
            Assert.Equal(2, second!.Strike);
            Assert.Equal(TimeSpan.FromMinutes(20), second.ExpiresAt - second.BannedAt);
        }

        RedisAssert.BannedInRedis(remote, redis.Server!, "client");
    }

    [Fact]
    public async Task ViolationsThatLeftTheWindow_DoNotCount()
    {
        var prefix = RedisFixture.UniquePrefix();
        using var box = Box(redis.Require(), prefix, Rules());
        await box.RecordViolationAsync("client", Token);
        RedisAssert.HoldsWithTtl(redis.Server!, prefix + ":violations:{client}"); // idle violations vanish
        _time.Advance(TimeSpan.FromSeconds(30));
        await box.RecordViolationAsync("client", Token);
        _time.Advance(TimeSpan.FromSeconds(30)); // the first has just left the window

        Assert.Null(await box.RecordViolationAsync("client", Token));
        Assert.NotNull(await box.RecordViolationAsync("client", Token));
        RedisAssert.BannedInRedis(box, redis.Server!, "client");
        RedisAssert.HoldsWithTtl(redis.Server!, prefix + ":strikes:{client}"); // strikes are forgotten in time too
    }

    [Fact]
    public async Task Ban_EndsAfterItsDuration_AndLeavesTheListing()
    {
        var connection = redis.Require();
        var prefix = RedisFixture.UniquePrefix();
        using var box = Box(connection, prefix, Rules());
        await box.BanAsync("client", TimeSpan.FromMinutes(5), "operator", Token);
        Assert.NotNull(await box.GetBanAsync("client", Token));
        RedisAssert.BannedInRedis(box, redis.Server!, "client");

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(await box.GetBanAsync("client", Token));
        Assert.Empty(await box.ListBansAsync(Token));
        Assert.Equal(0, await connection.GetDatabase().SortedSetLengthAsync(prefix + ":bans")); // pruned from the index
        Assert.False(await box.UnbanAsync("client", Token));
    }

    [Fact]
    public async Task TwoInstances_ViolationsAddUp_AndABanOnOneHoldsOnTheOther()
    {
        using var two = await TwoInstancesAsync(mirrorsLoaded: false);
        var (server, instanceA, instanceB) = (two.Server, two.A, two.B);

        Assert.Null(await instanceA.RecordViolationAsync("client", Token));
        Assert.Null(await instanceB.RecordViolationAsync("client", Token));
        var ban = await instanceA.RecordViolationAsync("client", Token);

        Assert.NotNull(ban);
        Assert.Equal(ban, await BanArrivesAsync(instanceB, "client"));
        Assert.Equal([ban], await instanceB.ListBansAsync(Token));
        RedisAssert.BannedInRedis(instanceA, server, "client");
        RedisAssert.BannedInRedis(instanceB, server, "client");
    }

    [Fact]
    public async Task UnbanOnOneInstance_LiftsTheBanOnBoth_AndForgetsViolations()
    {
        using var two = await TwoInstancesAsync(mirrorsLoaded: true);
        var (server, prefix, instanceA, instanceB) = (two.Server, two.Prefix, two.A, two.B);
        await instanceB.RecordViolationAsync("client", Token); // two of the three that ban, before the ban
        await instanceB.RecordViolationAsync("client", Token);
        await instanceB.BanAsync("client", TimeSpan.FromHours(1), "operator", Token);
        RedisAssert.BannedInRedis(instanceB, server, "client");

        Assert.True(await instanceA.UnbanAsync("client", Token));

        Assert.Null(await instanceA.GetBanAsync("client", Token));
        // The other instance's mirror (which answers its checks) learns of the unban from its announcement.
        await Poll.UntilAsync(() => instanceB.MirrorIsCurrent && AnsweredAtOnce(instanceB.GetBanAsync("client", Token)) is null, TimeSpan.FromSeconds(5), "the unban to reach the other instance", Token);
        Assert.Empty(await instanceB.ListBansAsync(Token));
        Assert.False(await instanceB.UnbanAsync("client", Token)); // not banned any more
        Assert.Null(await instanceB.RecordViolationAsync("client", Token)); // the two earlier violations are forgotten
        Assert.Equal(-2L, server.Call("PTTL", instanceA.BanKey("client"))); // gone from Redis
        Assert.False(instanceA.IsDegraded);
        Assert.False(instanceB.IsDegraded);
    }

    [Fact]
    public async Task BanOnOneInstance_RefusesOnTheOtherWithin100Milliseconds_WithoutARoundTripPerCheck()
    {
        using var two = await TwoInstancesAsync(mirrorsLoaded: true);
        var (server, prefix, instanceA, instanceB) = (two.Server, two.Prefix, two.A, two.B);

        // A check is answered from the mirror: complete before it returns, no call to Redis.
        Assert.Null(AnsweredAtOnce(instanceB.GetBanAsync("client", Token)));

        var ban = await instanceA.BanAsync("client", TimeSpan.FromHours(1), "operator", Token);
        Assert.Equal(ban, await BanArrivesAsync(instanceB, "client"));
        Assert.Equal(ban, AnsweredAtOnce(instanceB.GetBanAsync("client", Token)));

        // An instance that starts after the ban loads it.
        // Connected as AddRedis connects (reconnects every 250 ms): the subscription comes back soon after the cut below.
        using var connectionC = FloodgateRedisBuilderExtensions.Connect(new RedisStoreOptions { Configuration = server.Endpoint });
        using var instanceC = ServerClockBox(connectionC, prefix, Rules());
        await Poll.UntilAsync(() => instanceC.MirrorIsCurrent, TimeSpan.FromSeconds(10), "the third ban mirror to load", Token);
        Assert.Equal(ban, await instanceC.GetBanAsync("client", Token));

        // Its subscription cut, an instance reloads what it may have missed.
        server.Call("CLIENT", "KILL", "TYPE", "pubsub");
        var second = await instanceA.BanAsync("second", TimeSpan.FromHours(1), "operator", Token);
        await Poll.UntilAsync(async () => await instanceC.GetBanAsync("second", Token) is not null && instanceC.MirrorIsCurrent, TimeSpan.FromSeconds(30), "the ban made while the subscription was cut", Token);
        Assert.Equal(second, await instanceC.GetBanAsync("second", Token));
        Assert.True(await instanceC.UnbanAsync("second", Token));
        await Poll.UntilAsync(async () => await instanceA.GetBanAsync("second", Token) is null, TimeSpan.FromSeconds(5), "the unban to reach the banning instance", Token);
    }

    /// <summary>
    /// A subscription the client does not restore after a reconnect (seen to happen) delivers nothing: the mirror, whose
    /// markers never come back, drops it and subscribes anew, then loads what it missed.
    /// </summary>
    [Fact]
    public async Task SubscriptionNotRestored_IsMadeAgain_AndTheMirrorCatchesUp()
    {
        using var two = await TwoInstancesAsync(mirrorsLoaded: true);
        var (server, instanceA, instanceB) = (two.Server, two.A, two.B);

        // B's client forgets its subscription (its queue ends), then the subscription connection is cut.
        await two.ConnectionB.GetSubscriber().UnsubscribeAllAsync();
        server.Call("CLIENT", "KILL", "TYPE", "pubsub");
        var ban = await instanceA.BanAsync("client", TimeSpan.FromHours(1), "operator", Token);

        // (A check that finds the mirror not current asks Redis, and asks for another sync.)
        await Poll.UntilAsync(async () => await instanceB.GetBanAsync("client", Token) is not null && instanceB.MirrorIsCurrent, TimeSpan.FromSeconds(40), "B's mirror to subscribe anew and load the ban", Token);
        Assert.Equal(ban, AnsweredAtOnce(instanceB.GetBanAsync("client", Token)));

        // And the new subscription delivers: an unban on A reaches B's mirror.
        Assert.True(await instanceA.UnbanAsync("client", Token));
        await Poll.UntilAsync(() => instanceB.MirrorIsCurrent && AnsweredAtOnce(instanceB.GetBanAsync("client", Token)) is null, TimeSpan.FromSeconds(5), "the unban to reach B", Token);
    }

    /// <summary>
    /// An instance that starts after a ban loads it with the listing, and ends it when the time left at the listing (by
    /// Redis's clock, which the listing reports) has passed on its own clock, here a fake one.
    /// </summary>
    [Fact]
    public async Task BanLoadedByAReload_EndsWhenTheTimeLeftAtTheListingHasPassed()
    {
        var server = redis.Server ?? throw new InvalidOperationException();
        redis.Require();
        var prefix = RedisFixture.UniquePrefix();
        using var connectionA = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var connectionB = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        using var instanceA = ServerClockBox(connectionA, prefix, Rules());
        var ban = await instanceA.BanAsync("client", TimeSpan.FromMinutes(10), "operator", Token);

        var clockOfB = new FakeTimeProvider();
        using var instanceB = new RedisPenaltyBox(connectionB, new RedisStoreOptions { KeyPrefix = prefix, Timeout = TimeSpan.FromSeconds(5) }, Rules(), timeProvider: clockOfB);
        await Poll.UntilAsync(() => instanceB.MirrorIsCurrent, TimeSpan.FromSeconds(10), "the later instance's ban mirror to load", Token);
        Assert.Equal(ban, AnsweredAtOnce(instanceB.GetBanAsync("client", Token)));

        clockOfB.Advance(TimeSpan.FromMinutes(10));

        Assert.Null(AnsweredAtOnce(instanceB.GetBanAsync("client", Token)));
        RedisAssert.BannedInRedis(instanceA, server, "client"); // Redis still holds it: the mirror ended it on its own clock
    }

    [Fact]
    public async Task BanOnRedisTime_EndsWhenItsKeyExpires()
    {
        var server = redis.Server ?? throw new InvalidOperationException();
        using var box = ServerClockBox(redis.Require(), RedisFixture.UniquePrefix(), Rules());

        var ban = await box.BanAsync("client", TimeSpan.FromMilliseconds(300), "operator", Token);

        Assert.Equal(TimeSpan.FromMilliseconds(300), ban.ExpiresAt - ban.BannedAt);
        var redisTime = (object?[])server.Call("TIME")!; // the ban is stamped with Redis's clock
        var redisNow = DateTimeOffset.FromUnixTimeSeconds(long.Parse((string)redisTime[0]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(ban.BannedAt, redisNow.AddMinutes(-1), redisNow.AddMinutes(1));
        Assert.InRange((long)server.Call("PTTL", box.BanKey("client"))!, 1, 300); // PEXPIRE ends it, not this process's clock
        RedisAssert.BannedInRedis(box, server, "client");
        await Poll.UntilAsync(() => server.Call("EXISTS", box.BanKey("client")) is 0L, TimeSpan.FromSeconds(10), "Redis to expire the ban key", Token);
        Assert.Null(await box.GetBanAsync("client", Token));
        Assert.Empty(await box.ListBansAsync(Token));
        Assert.False(box.IsDegraded);
    }

    [Fact]
    public async Task Escalation_DoublesEachBan_UpToTheLongest_AndIsForgottenAfterAClean()
    {
        using var box = Box(redis.Require(), RedisFixture.UniquePrefix(), Rules(escalate: true));
        var lengths = new List<TimeSpan>();
        for (var strike = 1; strike <= 4; strike++)
        {
            var ban = await BanByViolations(box, "client");
            Assert.Equal(strike, ban.Strike);
            lengths.Add(ban.ExpiresAt - ban.BannedAt);
            _time.Advance(ban.ExpiresAt - _time.GetUtcNow());
        }

        Assert.Equal([TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30)], lengths);

        // Clean for longer than the longest ban: strikes start over.
        _time.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));
        var fresh = await BanByViolations(box, "client");
        Assert.Equal(1, fresh.Strike);
        Assert.Equal(TimeSpan.FromMinutes(10), fresh.ExpiresAt - fresh.BannedAt);
        RedisAssert.BannedInRedis(box, redis.Server!, "client");
    }

    [Fact]
    public async Task Listing_ShowsBansInForce_SoonestEndFirst()
    {
        using var box = Box(redis.Require(), RedisFixture.UniquePrefix(), Rules());
        var a = await box.BanAsync("a", TimeSpan.FromMinutes(30), "operator", Token);
        var b = await box.BanAsync("b", TimeSpan.FromMinutes(5), "operator", Token);
        var c = await BanByViolations(box, "c");

        Assert.Equal([b, c, a], await box.ListBansAsync(Token));

        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal([c, a], await box.ListBansAsync(Token));
        RedisAssert.BannedInRedis(box, redis.Server!, "a");
        RedisAssert.BannedInRedis(box, redis.Server!, "c");
    }

    [Fact]
    public async Task SameSequence_DecidesLikeTheInMemoryBox()
    {
        var prefix = RedisFixture.UniquePrefix();
        using var remote = Box(redis.Require(), prefix, Rules(escalate: true));
        using var memory = new InMemoryPenaltyBox(Rules(escalate: true), _time);
        var random = new Random(20260101);
        string[] clients = ["a", "b", "c"];

        for (var step = 0; step < 400; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(random.Next(0, 90)));
            var client = clients[random.Next(clients.Length)];
            switch (random.Next(10))
            {
                case < 7:
                    Assert.Equal(await memory.RecordViolationAsync(client, Token), await remote.RecordViolationAsync(client, Token));
                    break;
                case 7:
                    var duration = TimeSpan.FromSeconds(random.Next(1, 900));
                    Assert.Equal(await memory.BanAsync(client, duration, "operator", Token), await remote.BanAsync(client, duration, "operator", Token));
                    break;
                case 8:
                    Assert.Equal(await memory.UnbanAsync(client, Token), await remote.UnbanAsync(client, Token));
                    break;
                default:
                    Assert.Equal(Ordered(await memory.ListBansAsync(Token)), Ordered(await remote.ListBansAsync(Token)));
                    break;
            }

            Assert.Equal(await memory.GetBanAsync(client, Token), await remote.GetBanAsync(client, Token));
        }

        // The in-memory fallback follows the same rules: the sequence proves the script only if Redis made every step.
        Assert.False(remote.IsDegraded);
        Assert.NotEmpty((object?[])redis.Server!.Call("KEYS", prefix + ":*")!);
    }

    [Fact]
    public async Task RedisUnreachable_BansInMemory_WithoutThrowing()
    {
        var options = new RedisStoreOptions { Configuration = $"127.0.0.1:{RedisServer.FreePort()}", UseApplicationClock = true };
        using var connection = FloodgateRedisBuilderExtensions.Connect(options);
        using var box = new RedisPenaltyBox(connection, options, Rules(), timeProvider: _time);

        Assert.Null(await box.GetBanAsync("client", Token));
        Assert.True(box.IsDegraded);
        var ban = await BanByViolations(box, "client");

        Assert.Equal(ban, await box.GetBanAsync("client", Token));
        Assert.Equal([ban], await box.ListBansAsync(Token));
        Assert.True(await box.UnbanAsync("client", Token));
        Assert.Null(await box.GetBanAsync("client", Token));
    }

    [Fact]
    public async Task AddRedis_ReplacesThePenaltyBox_AndKeepsTheInMemoryOne()
    {
        var server = redis.Server ?? throw new InvalidOperationException();
        redis.Require();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Floodgate:Redis:Configuration"] = server.Endpoint,
            ["Floodgate:Redis:KeyPrefix"] = RedisFixture.UniquePrefix(),
            ["Floodgate:Penalty:Violations"] = "7",
        }).Build());
        services.AddLogging();
        services.AddFloodgate().AddRedis();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<RedisPenaltyBox>(provider.GetRequiredService<IPenaltyBox>());
        Assert.NotNull(provider.GetRequiredService<InMemoryPenaltyBox>());
        Assert.Same(provider.GetRequiredService<RedisPenaltyBox>(), provider.GetRequiredService<IPenaltyBox>());

        // Wired to the configured Redis, with the configured rules: the seventh violation bans, in Redis.
        var box = provider.GetRequiredService<RedisPenaltyBox>();
        await Poll.UntilAsync(() => provider.GetRequiredService<IConnectionMultiplexer>().IsConnected, TimeSpan.FromSeconds(10), "the connection to Redis", Token);
        var bans = new List<BanRecord?>();
        for (var i = 0; i < 7; i++)
        {
            bans.Add(await box.RecordViolationAsync("client", Token));
        }

        Assert.Equal(6, bans.Count(b => b is null));
        Assert.NotNull(bans[^1]);
        RedisAssert.BannedInRedis(box, server, "client");
    }

    private RedisPenaltyBox Box(IConnectionMultiplexer connection, string prefix, PenaltyOptions rules) =>
        new(connection, new RedisStoreOptions { KeyPrefix = prefix, UseApplicationClock = true, Timeout = TimeSpan.FromSeconds(5) }, rules, timeProvider: _time);

    /// <summary>A box on Redis TIME, the production clock: for tests that do not advance time.</summary>
    /// <summary>Two instances, a connection each, sharing a fresh prefix on the fixture's server; their ban mirrors loaded when asked.</summary>
    private async Task<TwoInstances> TwoInstancesAsync(bool mirrorsLoaded)
    {
        var server = redis.Server ?? throw new InvalidOperationException();
        redis.Require();
        var prefix = RedisFixture.UniquePrefix();
        var connectionA = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        var connectionB = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        var two = new TwoInstances(server, prefix, connectionA, connectionB, ServerClockBox(connectionA, prefix, Rules()), ServerClockBox(connectionB, prefix, Rules()));
        if (mirrorsLoaded)
        {
            await Poll.UntilAsync(() => two.A.MirrorIsCurrent && two.B.MirrorIsCurrent, TimeSpan.FromSeconds(10), "both ban mirrors to load", Token);
        }

        return two;
    }

    private sealed record TwoInstances(RedisServer Server, string Prefix, ConnectionMultiplexer ConnectionA, ConnectionMultiplexer ConnectionB, RedisPenaltyBox A, RedisPenaltyBox B) : IDisposable
    {
        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
            ConnectionA.Dispose();
            ConnectionB.Dispose();
        }
    }

    private static RedisPenaltyBox ServerClockBox(IConnectionMultiplexer connection, string prefix, PenaltyOptions rules) =>
        new(connection, new RedisStoreOptions { KeyPrefix = prefix, Timeout = TimeSpan.FromSeconds(5) }, rules);

    /// <summary>The answer of a check that must not have gone to Redis (the ban mirror answered it).</summary>
    private static BanRecord? AnsweredAtOnce(ValueTask<BanRecord?> check)
    {
        Assert.True(check.IsCompletedSuccessfully, "The check went to Redis instead of the ban mirror.");
        return check.GetAwaiter().GetResult();
    }

    /// <summary>Waits for a ban made on another instance to refuse here: at most 100 ms after the ban call returned.</summary>
    private static async Task<BanRecord> BanArrivesAsync(RedisPenaltyBox box, string client)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await box.GetBanAsync(client, Token) is { } ban)
            {
                return ban;
            }

            Assert.True(started.Elapsed < TimeSpan.FromMilliseconds(100), $"The ban on {client} did not reach the other instance within 100 ms.");
            await Task.Delay(1, Token);
        }
    }

    private static BanRecord[] Ordered(IReadOnlyList<BanRecord> bans) =>
        [.. bans.OrderBy(b => b.ExpiresAt).ThenBy(b => b.ClientId, StringComparer.Ordinal)];

    private static async Task<BanRecord> BanByViolations(RedisPenaltyBox box, string client)
    {
        BanRecord? ban = null;
        for (var i = 0; i < 3 && ban is null; i++)
        {
            ban = await box.RecordViolationAsync(client, Token);
        }

        return ban ?? throw new InvalidOperationException($"3 violations did not ban {client}.");
    }
}
