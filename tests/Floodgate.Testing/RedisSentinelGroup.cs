using System.Globalization;

namespace Floodgate.Testing;

/// <summary>
/// A Sentinel-managed Redis on free loopback ports: one primary, one replica of it, and three <c>redis-sentinel</c>
/// processes monitoring it as <see cref="ServiceName"/> with quorum 2 and fast failure detection (1 s down-after,
/// 3 s failover timeout). Ready when the replica is in sync and every sentinel knows the replica and the two other
/// sentinels, so that killing the primary leads to a failover. Dispose stops every process.
/// </summary>
public sealed class RedisSentinelGroup : IDisposable
{
    /// <summary>The name the sentinels monitor the primary under.</summary>
    public const string ServiceName = "mymaster";

    private readonly List<RedisServer> _servers = [];

    private RedisSentinelGroup()
    {
    }

    /// <summary>The primary at start (after a failover, the replica is the primary).</summary>
    public RedisServer Primary { get; private set; } = null!;

    /// <summary>The replica at start.</summary>
    public RedisServer Replica { get; private set; } = null!;

    /// <summary>The three sentinels.</summary>
    public IReadOnlyList<RedisServer> Sentinels { get; private set; } = [];

    /// <summary>A StackExchange.Redis configuration string that goes through the sentinels: <c>127.0.0.1:s1,...,serviceName=mymaster</c>.</summary>
    public string Configuration => string.Join(',', Sentinels.Select(s => s.Endpoint)) + ",serviceName=" + ServiceName;

    /// <summary>Starts the group, or returns <see langword="null"/> with the reason when a program is not installed.</summary>
    /// <exception cref="TimeoutException">The group did not become ready; everything started is stopped.</exception>
    public static RedisSentinelGroup? TryStart(out string reason)
    {
        if (RequiredService.FindOnPath("redis-sentinel") is null)
        {
            reason = "redis-sentinel is not installed (./test.sh installs it: apt-get install redis-sentinel)";
            return null;
        }

        var group = new RedisSentinelGroup();
        try
        {
            return group.Start(out reason) ? group : null;
        }
        catch
        {
            group.Dispose();
            throw;
        }
    }

    /// <summary>The port of the primary as the first sentinel that answers reports it, or <see langword="null"/>.</summary>
    public int? ReportedPrimaryPort()
    {
        foreach (var sentinel in Sentinels)
        {
            if (RedisWire.TryCall(sentinel.Port, "SENTINEL", "get-master-addr-by-name", ServiceName) is object?[] { Length: 2 } address
                && int.TryParse(address[1] as string, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                return port;
            }
        }

        return null;
    }

    /// <summary>Whether any sentinel already reports <paramref name="port"/> as the primary.</summary>
    public bool AnySentinelReportsPrimary(int port)
    {
        foreach (var sentinel in Sentinels)
        {
            if (RedisWire.TryCall(sentinel.Port, "SENTINEL", "get-master-addr-by-name", ServiceName) is object?[] { Length: 2 } address
                && address[1] as string == port.ToString(CultureInfo.InvariantCulture))
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose()
    {
        // Sentinels first, so that none of them reconfigures a server that is about to stop.
        for (var i = _servers.Count - 1; i >= 0; i--)
        {
            _servers[i].Dispose();
        }
    }

    private bool Start(out string reason)
    {
        var primary = RedisServer.TryStart(out reason);
        if (primary is null)
        {
            return false;
        }

        _servers.Add(Primary = primary);
        var replica = RedisServer.TryStart(out reason, "--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        if (replica is null)
        {
            return false;
        }

        _servers.Add(Replica = replica);
        Poll.Until(
            () => RedisWire.InfoField(RedisWire.TryCall(replica.Port, "INFO", "replication"), "master_link_status") == "up",
            TimeSpan.FromSeconds(15),
            "the replica to sync with the primary");

        var sentinels = new List<RedisServer>();
        for (var i = 0; i < 3; i++)
        {
            var sentinel = RedisServer.TryStartWithConfigurationFile("redis-sentinel", port => SentinelConfiguration(port, primary.Port), out reason);
            if (sentinel is null)
            {
                return false;
            }

            _servers.Add(sentinel);
            sentinels.Add(sentinel);
        }

        Sentinels = sentinels;

        // A failover needs a majority of sentinels that know each other (they meet through hello messages every 2 s)
        // and a replica they know of.
        Poll.Until(
            () => sentinels.All(s => RedisWire.TryCall(s.Port, "SENTINEL", "MASTER", ServiceName) is object?[] fields
                && Field(fields, "num-other-sentinels") == "2"
                && Field(fields, "num-slaves") == "1"
                && Field(fields, "flags") == "master"),
            TimeSpan.FromSeconds(30),
            "the three sentinels to know each other and the replica");
        return true;
    }

    private static string SentinelConfiguration(int port, int primaryPort) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            port {port}
            bind 127.0.0.1
            protected-mode no
            sentinel resolve-hostnames no
            sentinel announce-hostnames no
            sentinel monitor {ServiceName} 127.0.0.1 {primaryPort} 2
            sentinel down-after-milliseconds {ServiceName} 1000
            sentinel failover-timeout {ServiceName} 3000
            sentinel parallel-syncs {ServiceName} 1

            """);

    private static string? Field(object?[] fields, string name)
    {
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            if (fields[i] as string == name)
            {
                return fields[i + 1] as string;
            }
        }

        return null;
    }
}
