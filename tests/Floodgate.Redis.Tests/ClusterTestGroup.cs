namespace Floodgate.Redis.Tests;

/// <summary>The tests that share one <see cref="ClusterFixture"/>; started only when one of them runs.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterTestGroup : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Redis Cluster";
}
