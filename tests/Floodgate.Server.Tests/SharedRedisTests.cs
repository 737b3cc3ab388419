using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Floodgate.Testing;

namespace Floodgate.Server.Tests;

/// <summary>Two server processes sharing one real Redis behave as one service.</summary>
public sealed class SharedRedisTests
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Machines = new(StringComparer.Ordinal);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoInstances_ShareLimitsBansAndPolicies()
    {
        using var redis = RedisServer.StartOrSkip();

        var settings = new Dictionary<string, string> { ["Floodgate:Redis:Configuration"] = redis.Endpoint, ["Floodgate:Redis:Timeout"] = "00:00:02" };
        await using var a = await ServerProcess.StartAsync(settings);
        await using var b = await ServerProcess.StartAsync(settings);
        Assert.Equal("redis", (await a.Client.GetFromJsonAsync<JsonElement>("/", Token)).GetProperty("store").GetString());

        // Together they admit exactly the limit: 3 logins per minute, alternating between the instances.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await Send(i % 2 == 0 ? a : b, "shared-client", HttpMethod.Post, "/auth/login")).StatusCode);
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(3));

        // A ban earned on one instance holds on the other at once.
        HttpResponseMessage last = null!;
        for (var i = 0; i < 5; i++)
        {
            last = await Send(a, "offender", HttpMethod.Post, "/auth/login");
        }

        for (var i = 0; i < 5; i++)
        {
            last = await Send(a, "offender", HttpMethod.Post, "/auth/login");
        }

        // The offender's key is unverified: the ban is its address's. Redis lists it at once; the other instance
        // refuses once the ban's announcement reaches its mirror (the test waits for that, it does not time it).
        var id = (await (await Send(a, "offender", HttpMethod.Get, "/rate-limit/status")).Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("address").GetString();
        Assert.Contains((await b.Client.GetFromJsonAsync<JsonElement>("/admin/bans", Token)).EnumerateArray(), ban => ban.GetProperty("clientId").GetString() == id);
        await Poll.UntilAsync(async () => await RefusedAsBannedAsync(b, "offender"), TimeSpan.FromSeconds(10), "the ban made on A to refuse on B", Token);

        // Unblocked on B, free on A once the unban's announcement arrives.
        Assert.Equal(HttpStatusCode.OK, (await b.Client.PostAsync($"/admin/unblock/{id}", null, Token)).StatusCode);
        Assert.DoesNotContain((await a.Client.GetFromJsonAsync<JsonElement>("/admin/bans", Token)).EnumerateArray(), ban => ban.GetProperty("clientId").GetString() == id);
        await Poll.UntilAsync(async () => (await Send(a, "offender", HttpMethod.Get, "/api/data")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the unban made on B to free the client on A", Token);

        // A policy created on A applies on B once B hears of it (pub/sub); the test waits for that, it does not time it.
        var created = await a.Client.PostAsync("/admin/configs", ServerTests.Json("""{ "id": "shared-data", "path": "/api/data", "limit": 7, "window": "minute" }"""), Token);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var probes = 0;
        await Poll.UntilAsync(
            async () => ServerTests.Header(await Send(b, "policy-watcher-" + Interlocked.Increment(ref probes), HttpMethod.Get, "/api/data"), "RateLimit-Policy") == "\"shared-data\";q=7;w=60",
            TimeSpan.FromSeconds(30),
            "the policy created on A to apply on B",
            Token);
    }

    /// <summary>
    /// An attacker behind one address who keeps a connection to each instance (a layer-4 load balancer) and presents a
    /// few made-up keys on each, never more than the ceiling on any one: the ceiling is counted in Redis, so the address
    /// gets its unverified identities once, not once per instance. Each key and the address have 2 a minute; with the
    /// ceiling of 3 the attacker gets at most 3 × 2 + 2 = 8 through both instances, where a count per instance would
    /// let all six keys stand for themselves (12).
    /// </summary>
    [Fact]
    public async Task AttackerPinnedToBothInstances_GetsTheIdentityCeilingOnce()
    {
        using var redis = RedisServer.StartOrSkip();

        var settings = new Dictionary<string, string>
        {
            ["Floodgate:Redis:Configuration"] = redis.Endpoint,
            ["Floodgate:Redis:Timeout"] = "00:00:02",
            ["Floodgate:Rules:0:Limit"] = "2/minute",
            ["Floodgate:Identification:MaxIdentitiesPerAddress"] = "3",
            ["Floodgate:Penalty:Enabled"] = "false",
        };
        await using var a = await ServerProcess.StartAsync(settings);
        await using var b = await ServerProcess.StartAsync(settings);
        var machine = LoopbackClient.NextAddress().ToString();
        var toA = a.ClientFrom(machine);
        var toB = b.ClientFrom(machine);

        // Keys 1-3 only ever reach A, keys 4-6 only B; four requests each, all at once, every other header he controls
        // different on every request (no proxy is trusted: forwarded addresses are his to invent).
        var attempts = Enumerable.Range(0, 4).SelectMany(_ => Enumerable.Range(1, 6)).Select(async key =>
        {
            var n = Random.Shared.Next(1, 250);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/data")
            {
                Headers =
                {
                    { "X-API-Key", "pinned-" + key },
                    { "X-Client-ID", "client-" + Guid.NewGuid().ToString("N") },
                    { "X-Forwarded-For", $"203.0.113.{n}" },
                    { "X-Real-IP", $"198.51.100.{n}" },
                    { "Forwarded", $"for=192.0.2.{n}" },
                    { "User-Agent", "agent/" + n },
                },
            };
            using var response = await (key <= 3 ? toA : toB).SendAsync(request, Token);
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(attempts);

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"status {s}"));
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 2, (3 * 2) + 2);
        Assert.Equal(1L, redis.Call("EXISTS", $"floodgate:ids:{{{await AddressAsync(a, machine)}}}"));

        // Over the ceiling through B, the address is one client on A too, its first keys included.
        await Poll.UntilAsync(
            async () => await ClientAsync(toA, "pinned-1") == await AddressAsync(a, machine) && await ClientAsync(toB, "pinned-1") == await AddressAsync(b, machine),
            TimeSpan.FromSeconds(10),
            "both instances to limit the first key as its address",
            Token);
    }

    private static async Task<string?> ClientAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/rate-limit/status") { Headers = { { "X-API-Key", key } } };
        using var response = await client.SendAsync(request, Token);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("client").GetString();
    }

    private static async Task<string?> AddressAsync(ServerProcess server, string machine)
    {
        using var response = await server.ClientFrom(machine).GetAsync("/rate-limit/status", Token);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("address").GetString();
    }

    private static async Task<bool> RefusedAsBannedAsync(ServerProcess server, string client)
    {
        using var response = await Send(server, client, HttpMethod.Get, "/api/data");
        return response.StatusCode == HttpStatusCode.TooManyRequests
            && (await response.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("reason").GetString() == "banned";
    }

    private static async Task<HttpResponseMessage> Send(ServerProcess server, string client, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-API-Key", client);

        // Each client is a machine of its own, the same machine on both instances.
        return await server.ClientFrom(Machines.GetOrAdd(client, _ => LoopbackClient.NextAddress().ToString())).SendAsync(request, Token);
    }
}
