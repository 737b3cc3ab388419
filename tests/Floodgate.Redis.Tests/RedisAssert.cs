using Floodgate.Testing;

namespace Floodgate.Redis.Tests;

/// <summary>
/// Proof that a decision was made by Redis and not by a failure mode: the store or box is not degraded, and the
/// server that owns the key holds it with a TTL, read over a connection of its own (<see cref="RedisWire"/>).
/// </summary>
internal static class RedisAssert
{
    /// <summary><paramref name="owner"/> holds <paramref name="redisKey"/>, and it will expire.</summary>
    public static void HoldsWithTtl(RedisServer owner, string redisKey)
    {
        var ttl = owner.Call("PTTL", redisKey);
        Assert.True(ttl is > 0L, $"Redis at {owner.Endpoint} holds no '{redisKey}' with a TTL (PTTL {ttl ?? "nil"}: -2 missing, -1 no TTL).");
    }

    /// <summary><paramref name="store"/> answers from Redis, and Redis holds the state of <paramref name="key"/> under <paramref name="limit"/>.</summary>
    public static void DecidedByRedis(RedisRateLimitStore store, RedisServer owner, string key, RateLimit limit)
    {
        Assert.False(store.IsDegraded, "the store answered with its failure mode instead of Redis");
        HoldsWithTtl(owner, store.StateKey(key, limit));
    }

    /// <summary><paramref name="box"/> keeps its bans in Redis, and Redis holds the ban of <paramref name="clientId"/>.</summary>
    public static void BannedInRedis(RedisPenaltyBox box, RedisServer owner, string clientId)
    {
        Assert.False(box.IsDegraded, "the penalty box kept its bans in memory instead of Redis");
        HoldsWithTtl(owner, box.BanKey(clientId));
    }
}
