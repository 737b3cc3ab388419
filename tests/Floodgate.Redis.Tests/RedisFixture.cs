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
            Connection = ConnectionMultiplexer.Connect($"{Server.Endpoint},abortConnect=false");
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
