using System.Diagnostics;

namespace Floodgate.Testing;

/// <summary>
/// A Redis Cluster of three masters (no replicas) on free loopback ports, each node in its own directory, joined with
/// <c>redis-cli --cluster create</c> and ready when every node reports <c>cluster_state:ok</c>. Dispose stops every node.
/// </summary>
public sealed class RedisCluster : IDisposable
{
    private readonly List<RedisServer> _nodes = [];

    private RedisCluster()
    {
    }

    /// <summary>The three master nodes.</summary>
    public IReadOnlyList<RedisServer> Nodes => _nodes;

    /// <summary>A StackExchange.Redis configuration string naming every node.</summary>
    public string Configuration => string.Join(',', _nodes.Select(n => n.Endpoint));

    /// <summary>Starts the cluster, or returns <see langword="null"/> with the reason when a program is not installed.</summary>
    /// <exception cref="TimeoutException">The cluster did not form; every node started is stopped.</exception>
    public static RedisCluster? TryStart(out string reason)
    {
        var cli = RequiredService.FindOnPath("redis-cli");
        if (cli is null)
        {
            reason = "redis-cli is not installed (./test.sh installs it: apt-get install redis-tools)";
            return null;
        }

        var cluster = new RedisCluster();
        try
        {
            return cluster.Start(cli, out reason) ? cluster : null;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>For each of the 16384 slots, the node that owns it, as the cluster itself reports (<c>CLUSTER SLOTS</c>).</summary>
    public RedisServer[] SlotOwners()
    {
        var owners = new RedisServer[16384];
        if (RedisWire.Call(_nodes[0].Port, "CLUSTER", "SLOTS") is object?[] ranges)
        {
            foreach (var item in ranges)
            {
                if (item is object?[] { Length: >= 3 } range && range[2] is object?[] master)
                {
                    var node = _nodes.Single(n => n.Port == (long)master[1]!);
                    for (var slot = (long)range[0]!; slot <= (long)range[1]!; slot++)
                    {
                        owners[slot] = node;
                    }
                }
            }
        }

        return owners;
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    private bool Start(string cli, out string reason)
    {
        for (var i = 0; i < 3; i++)
        {
            var node = RedisServer.TryStart(out reason, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000");
            if (node is null)
            {
                return false;
            }

            _nodes.Add(node);
        }

        var create = new ProcessStartInfo(cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        create.ArgumentList.Add("--cluster");
        create.ArgumentList.Add("create");
        foreach (var node in _nodes)
        {
            create.ArgumentList.Add(node.Endpoint);
        }

        create.ArgumentList.Add("--cluster-replicas");
        create.ArgumentList.Add("0");
        create.ArgumentList.Add("--cluster-yes");
        using (var process = Process.Start(create) ?? throw new InvalidOperationException("redis-cli did not start."))
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
                throw new TimeoutException("redis-cli --cluster create did not finish within 30 s.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create failed ({process.ExitCode}): {output.Result} {error.Result}");
            }
        }

        Poll.Until(
            () => _nodes.All(n =>
            {
                var info = RedisWire.TryCall(n.Port, "CLUSTER", "INFO");
                return RedisWire.InfoField(info, "cluster_state") == "ok" && RedisWire.InfoField(info, "cluster_known_nodes") == "3";
            }),
            TimeSpan.FromSeconds(30),
            "every cluster node to report cluster_state:ok");
        reason = string.Empty;
        return true;
    }
}
