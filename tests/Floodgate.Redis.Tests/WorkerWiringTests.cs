using Floodgate.Penalties;
using Floodgate.Storage;
using Floodgate.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Floodgate.Redis.Tests;

/// <summary>
/// The Redis store without ASP.NET Core: a worker service wires it with <c>AddFloodgateCore().AddRedis()</c>, and the
/// assembly references nothing of ASP.NET Core, so such a worker never loads it.
/// </summary>
public sealed class WorkerWiringTests(RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void FloodgateRedis_ReferencesNoAspNetCoreAssembly()
    {
        var references = typeof(RedisRateLimitStore).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();

        Assert.Contains("Floodgate", references);
        Assert.Contains("StackExchange.Redis", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || name == "Floodgate.AspNetCore");
    }

    [Fact]
    public async Task AddFloodgateCore_AddRedis_DecidesAndBansInRedis()
    {
        var server = redis.Server ?? throw new InvalidOperationException();
        redis.Require();
        var prefix = RedisFixture.UniquePrefix();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Floodgate:Redis:Configuration"] = server.Endpoint,
            ["Floodgate:Redis:KeyPrefix"] = prefix,
            ["Floodgate:Redis:FailureMode"] = "FailClosed",
        }).Build());
        services.AddLogging();
        services.Configure<PenaltyOptions>(o => o.Violations = 2);

        services.AddFloodgateCore().AddRedis();
        using var provider = services.BuildServiceProvider();

        var store = Assert.IsType<RedisRateLimitStore>(provider.GetRequiredService<IRateLimitStore>());
        var box = Assert.IsType<RedisPenaltyBox>(provider.GetRequiredService<IPenaltyBox>());
        await Poll.UntilAsync(() => provider.GetRequiredService<IConnectionMultiplexer>().IsConnected, TimeSpan.FromSeconds(10), "the connection to Redis", Token);
        var limit = RateLimit.Parse("2/minute");
        var decisions = new List<RateLimitDecision>();
        for (var i = 0; i < 3; i++)
        {
            decisions.Add(await store.AcquireAsync("queue:orders", limit, 1, Token));
        }

        Assert.Equal([true, true, false], decisions.Select(d => d.IsAllowed));
        RedisAssert.DecidedByRedis(store, server, "queue:orders", limit);
        Assert.Null(await box.RecordViolationAsync("worker", Token));
        Assert.NotNull(await box.RecordViolationAsync("worker", Token)); // the configured PenaltyOptions: 2 violations ban
        RedisAssert.BannedInRedis(box, server, "worker");
    }
}
