using System.Net;
using System.Text.Json;
using Floodgate.Testing;

namespace Floodgate.Server.Tests;

/// <summary>The service starts and serves without Redis, says so, and catches up when Redis comes.</summary>
public sealed class RedisLaterTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RedisAbsentAtStart_ServiceServesInMemory_ThenDecidesInRedisWithItsPolicies()
    {
        // The Redis that comes later already holds a policy (saved before the service starts, loaded when it starts).
        using var redis = RedisServer.TryCreate(out var reason);
        using var seed = RedisServer.TryStart(out var seedReason);
        if (redis is null || seed is null)
        {
            RequiredService.Unavailable(redis is null ? reason : seedReason);
            return;
        }

        seed.Call("HSET", "floodgate:policies", "later", """{"id":"later","path":"/api/data","methods":["GET"],"limit":2,"window":"minute"}""");
        seed.SaveTo(redis);

        await using var service = await ServerProcess.StartAsync(new Dictionary<string, string> { ["Floodgate:Redis:Configuration"] = redis.Endpoint });

        // Without Redis: served (the configured rule, 100/minute, decided in memory), Degraded, store errors counted.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Send(service, "early")).StatusCode);
        }

        Assert.Equal("Degraded", await HealthAsync(service));
        Assert.Contains("floodgate_store_errors_total{", await service.Client.GetStringAsync("/metrics", Token), StringComparison.Ordinal);

        redis.Start();

        // With Redis: the policy it holds is in force (2/minute: the third request is denied by policy "later")...
        await Poll.UntilAsync(() => ThirdIsDeniedByLater(service), TimeSpan.FromSeconds(30), "the policy in Redis to be loaded", Token);

        // ...decided in Redis (its state is there), and the health says so.
        var keys = ((object?[])redis.Call("KEYS", "floodgate:*later*")!).OfType<string>().ToArray();
        Assert.NotEmpty(keys);
        await Poll.UntilAsync(async () => await HealthAsync(service) == "Healthy", TimeSpan.FromSeconds(30), "the health to say Healthy", Token);
    }

    private static async Task<bool> ThirdIsDeniedByLater(ServerProcess service)
    {
        var client = "probe-" + Guid.NewGuid().ToString("N");
        HttpResponseMessage last = null!;
        for (var i = 0; i < 3; i++)
        {
            last = await Send(service, client);
        }

        if (last.StatusCode != HttpStatusCode.TooManyRequests)
        {
            return false;
        }

        var body = JsonDocument.Parse(await last.Content.ReadAsStringAsync(Token)).RootElement;
        return body.TryGetProperty("policy", out var policy) && policy.GetString() == "later";
    }

    private static async Task<string?> HealthAsync(ServerProcess service)
    {
        var body = JsonDocument.Parse(await service.Client.GetStringAsync("/health", Token)).RootElement;
        return body.GetProperty("status").GetString();
    }

    private static async Task<HttpResponseMessage> Send(ServerProcess server, string client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/data");
        request.Headers.Add("X-API-Key", client);
        return await server.Client.SendAsync(request, Token);
    }
}
