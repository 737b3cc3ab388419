using Floodgate.Testing;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>One three-master Redis Cluster for the tests of <see cref="ClusterTestGroup"/>, connected through Floodgate's own Connect.</summary>
public sealed class ClusterFixture : IDisposable
{
    private readonly string _reason = string.Empty;

    public ClusterFixture()
    {
        try
        {
            Cluster = RedisCluster.TryStart(out _reason);
            if (Cluster is not null)
            {
                Connection = FloodgateRedisBuilderExtensions.Connect(new RedisStoreOptions { Configuration = Cluster.Configuration, Timeout = TimeSpan.FromSeconds(5) });

                // Connect does not wait (Redis down at start-up must not stop an application); the tests need the
                // connection to have found all three masters and to know it speaks to a Cluster (until then it
                // hashes no slot, and the store answers with its failure mode).
                var connection = Connection;
                Poll.Until(
                    () => connection.HashSlot("probe") >= 0 && connection.GetServers().Count(server => server.IsConnected) == 3,
                    TimeSpan.FromSeconds(30),
                    "the connection to discover the three cluster masters");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public RedisCluster? Cluster { get; }

    public IConnectionMultiplexer? Connection { get; }

    /// <summary>The connection, or a skip (a failure under FLOODGATE_REQUIRE_SERVICES=1) with the reason.</summary>
    public IConnectionMultiplexer Require()
    {
        if (Connection is null)
        {
            RequiredService.Unavailable(_reason);
        }

        return Connection!;
    }

    /// <summary>The master that owns <paramref name="key"/>'s slot, as the cluster itself reports it.</summary>
    public RedisServer OwnerOf(string key) => Cluster!.SlotOwners()[(long)Cluster.Nodes[0].Call("CLUSTER", "KEYSLOT", key)!];

    public void Dispose()
    {
        Connection?.Dispose();
        Cluster?.Dispose();
    }
}
