using Floodgate.Storage;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Redis.Tests;

/// <summary>
/// On a three-master Redis Cluster, the Redis store meets the same contract as everywhere, for every algorithm, with
/// its decisions proven Redis's own as in <see cref="RedisStoreContract"/>: the node that owns the key's slot holds it.
/// </summary>
public abstract class ClusterStoreContract(ClusterFixture cluster) : RateLimitStoreContract
{
    protected override IRateLimitStore CreateStore(FakeTimeProvider time) =>
        new RedisRateLimitStore(cluster.Require(), new RedisStoreOptions { KeyPrefix = RedisFixture.UniquePrefix(), UseApplicationClock = true, FailureMode = RedisFailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(5) }, time);

    protected override void AssertStateKept(IRateLimitStore store, string key, RateLimit limit)
    {
        var redisStore = (RedisRateLimitStore)store;
        RedisAssert.DecidedByRedis(redisStore, cluster.OwnerOf(redisStore.StateKey(key, limit)), key, limit);
    }
}

[Collection(ClusterTestGroup.Name)]
public sealed class ClusterSlidingWindowCounterContract(ClusterFixture cluster) : ClusterStoreContract(cluster)
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.SlidingWindowCounter;
}

[Collection(ClusterTestGroup.Name)]
public sealed class ClusterSlidingWindowLogContract(ClusterFixture cluster) : ClusterStoreContract(cluster)
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.SlidingWindowLog;
}

[Collection(ClusterTestGroup.Name)]
public sealed class ClusterTokenBucketContract(ClusterFixture cluster) : ClusterStoreContract(cluster)
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.TokenBucket;
}

[Collection(ClusterTestGroup.Name)]
public sealed class ClusterFixedWindowContract(ClusterFixture cluster) : ClusterStoreContract(cluster)
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.FixedWindow;
}

[Collection(ClusterTestGroup.Name)]
public sealed class ClusterGcraContract(ClusterFixture cluster) : ClusterStoreContract(cluster)
{
    protected override RateLimitAlgorithm Algorithm => RateLimitAlgorithm.Gcra;
}
