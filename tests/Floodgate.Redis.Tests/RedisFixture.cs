using Floodgate.Testing;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(Floodgate.Redis.Tests.RedisFixture))]

namespace Floodgate.Redis.Tests;

/// <summary>One real redis-server for the test assembly; each test uses its own key prefix.</summary>
public sealed class RedisFixture : IDisposable
{
    private static int s_prefix;
    private readonly string _reason;

    public RedisFixture()
    {
        Server = RedisServer.TryStart(out _reason);
        if (Server is not null)
        {
            // Floodgate's own connection settings, which fail fast: a call to a Redis that cannot be reached fails at once
            // (and the code under test answers with its failure mode) instead of waiting in a backlog for its timeout.
            // The first connect may take long on a loaded machine.
            Connection = FloodgateRedisBuilderExtensions.Connect(new RedisStoreOptions { Configuration = $"{Server.Endpoint},connectTimeout=10000" });
        }
    }

    public RedisServer? Server { get; }

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

    public static string UniquePrefix() => $"t{Interlocked.Increment(ref s_prefix)}-{Environment.ProcessId}";

    public void Dispose()
    {
        Connection?.Dispose();
        Server?.Dispose();
    }
}
