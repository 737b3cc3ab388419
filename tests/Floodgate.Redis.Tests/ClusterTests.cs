using System.Globalization;
using Floodgate.Testing;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>
/// On a three-master Redis Cluster: exact everywhere, keys spread over the nodes, one slot per client, batches across
/// slots. On Redis TIME, failing closed, with the state checked on the node that owns it: only Redis can pass them.
/// </summary>
[Collection(ClusterTestGroup.Name)]
public sealed class ClusterTests(ClusterFixture fixture)
{
    public static TheoryData<RateLimitAlgorithm> Algorithms => new(Enum.GetValues<RateLimitAlgorithm>());

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task EveryAlgorithm_64ConcurrentCallers_AdmitExactlyTheLimitOfEachClient(RateLimitAlgorithm algorithm)
    {
        var connection = fixture.Require();
        const int limitCount = 50;
        var limit = new RateLimit(limitCount, TimeSpan.FromDays(1), algorithm); // turns over at midnight UTC only
        using var store = new RedisRateLimitStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(10) });
        string[] clients = ["c0", "c1", "c2", "c3"];
        var admitted = new int[clients.Length];

        // 64 callers, 80 attempts per client, on clients whose keys live in different slots.
        var callers = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            var client = i % clients.Length;
            for (var n = 0; n < 5; n++)
            {
                if ((await store.AcquireAsync(clients[client], limit, 1, Token)).IsAllowed)
                {
                    Interlocked.Increment(ref admitted[client]);
                }
            }
        }, Token));
        await Task.WhenAll(callers);

        Assert.All(admitted, count => Assert.Equal(limitCount, count));
        foreach (var client in clients)
        {
            RedisAssert.DecidedByRedis(store, fixture.OwnerOf(store.StateKey(client, limit)), client, limit);
        }
    }

    [Fact]
    public async Task ManyClients_KeysSpreadOverAllThreeNodes()
    {
        var connection = fixture.Require();
        var cluster = fixture.Cluster!;
        var owners = cluster.SlotOwners();
        var limit = new RateLimit(100, TimeSpan.FromHours(1));
        using var store = new RedisRateLimitStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(5) });
        var run = Guid.NewGuid().ToString("N")[..8];
        var keys = Enumerable.Range(0, 300).Select(i => store.StateKey($"client-{run}-{i}", limit)).ToArray();
        var slots = keys.Select(k => connection.HashSlot(k)).Distinct().ToArray();
        var before = CountKeysInSlots(owners, slots);

        for (var i = 0; i < keys.Length; i++)
        {
            Assert.True((await store.AcquireAsync($"client-{run}-{i}", limit, 1, Token)).IsAllowed);
        }

        var after = CountKeysInSlots(owners, slots);
        var perNode = cluster.Nodes.ToDictionary(n => n.Port, n => after[n.Port] - before[n.Port]);
        TestContext.Current.TestOutputHelper?.WriteLine(
            "Keys of 300 clients per node (CLUSTER COUNTKEYSINSLOT over their slots): "
            + string.Join(", ", cluster.Nodes.Select(n => $"{n.Endpoint} {perNode[n.Port]}"))
            + "; DBSIZE now: " + string.Join(", ", cluster.Nodes.Select(n => $"{n.Endpoint} {n.Call("DBSIZE")}")));

        Assert.Equal(keys.Length, perNode.Values.Sum());
        Assert.All(perNode.Values, count => Assert.InRange(count, 60, 140)); // about a third each
    }

    [Fact]
    public async Task OneClient_KeysOfAllItsLimits_ShareOneSlot_AndOneScriptDecidesThem()
    {
        var connection = fixture.Require();
        using var store = new RedisRateLimitStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), FailureMode = RedisFailureMode.FailClosed, OverLimitCache = false, Timeout = TimeSpan.FromSeconds(5) });
        var client = "client-" + Guid.NewGuid().ToString("N")[..8];
        RateLimitRequest[] batch =
        [
            new(client, new RateLimit(10, TimeSpan.FromSeconds(1), RateLimitAlgorithm.SlidingWindowCounter), 1, RateLimitLayer.Client),
            new(client, new RateLimit(100, TimeSpan.FromMinutes(1), RateLimitAlgorithm.SlidingWindowLog), 1, RateLimitLayer.Client),
            new(client, new RateLimit(1000, TimeSpan.FromHours(1), RateLimitAlgorithm.TokenBucket), 1, RateLimitLayer.Client),
            new(client, new RateLimit(5000, TimeSpan.FromDays(1), RateLimitAlgorithm.FixedWindow), 1, RateLimitLayer.Client),
            new(client, new RateLimit(20, TimeSpan.FromSeconds(10), RateLimitAlgorithm.Gcra), 1, RateLimitLayer.Client),
        ];
        var keys = batch.Select(r => store.StateKey(r.Key, r.Limit)).ToArray();
        var roundTrips = store.RoundTrips;

        var decision = await store.AcquireAllAsync(batch, new RateLimitDecision[batch.Length], Token);

        Assert.True(decision.IsAllowed);
        Assert.Equal(roundTrips + 1, store.RoundTrips); // one script for all five limits
        var slot = connection.HashSlot(keys[0]);
        var owner = fixture.Cluster!.SlotOwners()[slot];
        foreach (var key in keys)
        {
            Assert.Equal(slot, connection.HashSlot(key));
            Assert.Equal((long)slot, owner.Call("CLUSTER", "KEYSLOT", key)); // the server agrees
            RedisAssert.HoldsWithTtl(owner, key);
        }

        Assert.False(store.IsDegraded);
    }

    [Fact]
    public async Task BatchAcrossSlots_GlobalAndClient_IsAllOrNothing_WithoutConcurrency()
    {
        var connection = fixture.Require();
        using var store = new RedisRateLimitStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), FailureMode = RedisFailureMode.FailClosed, OverLimitCache = false, Timeout = TimeSpan.FromSeconds(5) });
        var global = new RateLimit(5, TimeSpan.FromDays(1), RateLimitAlgorithm.FixedWindow); // turns over at midnight UTC only
        var perClient = new RateLimit(3, TimeSpan.FromDays(1), RateLimitAlgorithm.SlidingWindowLog);
        var (first, second) = ClientsInOtherSlots(connection, store, global, perClient);
        RateLimitRequest[] Batch(string client) =>
        [
            new("global", global, 1, RateLimitLayer.Global),
            new(client, perClient, 1, RateLimitLayer.Client),
        ];

        // The first client spends its own limit; each admission took both limits (check, then consume, per slot).
        var roundTrips = store.RoundTrips;
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await store.AcquireAllAsync(Batch(first), new RateLimitDecision[2], Token)).IsAllowed);
        }

        Assert.Equal(roundTrips + 12, store.RoundTrips);

        // Its fourth request is denied by the client limit, and the global limit does not pay for it.
        var denied = await store.AcquireAllAsync(Batch(first), new RateLimitDecision[2], Token);
        Assert.False(denied.IsAllowed);
        Assert.Equal(RateLimitLayer.Client, denied.Layer);
        Assert.Equal(2, (await store.PeekAsync("global", global, Token)).Remaining);

        // A second client takes the global rest; then the global limit denies, and the client limit does not pay.
        Assert.True((await store.AcquireAllAsync(Batch(second), new RateLimitDecision[2], Token)).IsAllowed);
        Assert.True((await store.AcquireAllAsync(Batch(second), new RateLimitDecision[2], Token)).IsAllowed);
        var globalDenied = await store.AcquireAllAsync(Batch(second), new RateLimitDecision[2], Token);
        Assert.False(globalDenied.IsAllowed);
        Assert.Equal(RateLimitLayer.Global, globalDenied.Layer);
        Assert.Equal(1, (await store.PeekAsync(second, perClient, Token)).Remaining);
        Assert.Equal(0, (await store.PeekAsync(first, perClient, Token)).Remaining);
        RedisAssert.DecidedByRedis(store, fixture.OwnerOf(store.StateKey("global", global)), "global", global);
        RedisAssert.DecidedByRedis(store, fixture.OwnerOf(store.StateKey(second, perClient)), second, perClient);
    }

    [Fact]
    public async Task PenaltyBox_BansClientsInDifferentSlots_AndListsThemAll()
    {
        var connection = fixture.Require();
        var rules = new Floodgate.Penalties.PenaltyOptions { Violations = 2, Window = TimeSpan.FromMinutes(1), BanDuration = TimeSpan.FromMinutes(10) };
        using var box = new RedisPenaltyBox(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), Timeout = TimeSpan.FromSeconds(5) }, rules);
        var owners = fixture.Cluster!.SlotOwners();
        var clients = Enumerable.Range(0, 12).Select(i => $"banned-{i}").ToArray();

        foreach (var client in clients)
        {
            Assert.Null(await box.RecordViolationAsync(client, Token));
            Assert.NotNull(await box.RecordViolationAsync(client, Token));
        }

        Assert.Equal(3, clients.Select(c => owners[connection.HashSlot(box.BanKey(c))]).Distinct().Count());
        Assert.Equal(clients.Order(StringComparer.Ordinal), (await box.ListBansAsync(Token)).Select(b => b.ClientId).Order(StringComparer.Ordinal));
        Assert.True(await box.UnbanAsync("banned-3", Token));
        Assert.Null(await box.GetBanAsync("banned-3", Token));
        Assert.Equal(11, (await box.ListBansAsync(Token)).Count);
        foreach (var client in clients.Where(c => c != "banned-3"))
        {
            RedisAssert.BannedInRedis(box, fixture.OwnerOf(box.BanKey(client)), client);
        }
    }

    [Fact]
    public async Task IdentityCeiling_OfAddressesInDifferentSlots_IsCountedOnTheNodeThatOwnsEach()
    {
        var connection = fixture.Require();
        var ledger = new RedisIdentityLedger(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), Timeout = TimeSpan.FromSeconds(5) });
        var owners = fixture.Cluster!.SlotOwners();
        var addresses = Enumerable.Range(0, 12).Select(i => $"ip:198.51.100.{i}").ToArray();

        foreach (var address in addresses)
        {
            Assert.True(await ledger.AdmitAsync(address, "key:1", 2, TimeSpan.FromHours(1), Token));
            Assert.True(await ledger.AdmitAsync(address, "key:2", 2, TimeSpan.FromHours(1), Token));
            Assert.False(await ledger.AdmitAsync(address, "key:3", 2, TimeSpan.FromHours(1), Token));
        }

        Assert.Equal(3, addresses.Select(a => owners[connection.HashSlot(ledger.Key(a))]).Distinct().Count());
        foreach (var address in addresses)
        {
            Assert.Equal(["!"], ((object?[])fixture.OwnerOf(ledger.Key(address)).Call("SMEMBERS", ledger.Key(address))!).Cast<string>());
        }
    }

    /// <summary>Two client ids whose keys are in slots other than the global key's, owned by other nodes where possible.</summary>
    private (string First, string Second) ClientsInOtherSlots(IConnectionMultiplexer connection, RedisRateLimitStore store, RateLimit global, RateLimit perClient)
    {
        var owners = fixture.Cluster!.SlotOwners();
        var globalSlot = connection.HashSlot(store.StateKey("global", global));
        var found = new List<string>();
        for (var i = 0; found.Count < 2; i++)
        {
            var candidate = "client-" + i.ToString(CultureInfo.InvariantCulture);
            var slot = connection.HashSlot(store.StateKey(candidate, perClient));
            if (slot != globalSlot && owners[slot] != owners[globalSlot])
            {
                found.Add(candidate);
            }
        }

        return (found[0], found[1]);
    }

    private static Dictionary<int, long> CountKeysInSlots(RedisServer[] owners, int[] slots)
    {
        var perNode = owners.Distinct().ToDictionary(o => o.Port, _ => 0L);
        foreach (var slot in slots)
        {
            perNode[owners[slot].Port] += (long)owners[slot].Call("CLUSTER", "COUNTKEYSINSLOT", slot.ToString(CultureInfo.InvariantCulture))!;
        }

        return perNode;
    }
}
