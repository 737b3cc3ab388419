using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Floodgate.Server.Tests;

/// <summary><c>POST /admin/replay</c> on the traffic the running service recorded.</summary>
public sealed class ReplayTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Replay_WithTheLivePolicies_ReproducesEveryDecision()
    {
        var (policy, from) = await SendEightAsync(shared.Server.Client, (c, p) => shared.SendFrom(c, HttpMethod.Get, p));

        // Without candidates the stored policies, as in force, are replayed.
        var report = await ReplayUntilAsync(shared.Server.Client, new { from }, policy, 8);

        var mine = Group(report, "policies", policy);
        Assert.Equal((8, 5, 0, 0), (Long(mine, "requests"), Long(mine, "admitted"), Long(mine, "newly_denied"), Long(mine, "newly_admitted")));
        Assert.Equal(1, report.GetProperty("instances").GetInt32());
        await shared.Client.DeleteAsync("/admin/configs/" + policy, Token);
    }

    [Fact]
    public async Task Replay_WithAStricterCandidate_DeniesNewly_AndStoresNothing()
    {
        var (policy, from) = await SendEightAsync(shared.Server.Client, (c, p) => shared.SendFrom(c, HttpMethod.Get, p));
        var candidate = new { policies = new[] { new { id = policy, path = "/api/" + policy, limit = 3, window = "day" } }, from };

        var report = await ReplayUntilAsync(shared.Server.Client, candidate, policy, 8);

        var mine = Group(report, "policies", policy);
        Assert.Equal((8, 3, 2, 0), (Long(mine, "requests"), Long(mine, "admitted"), Long(mine, "newly_denied"), Long(mine, "newly_admitted")));
        Assert.Equal(0.25, mine.GetProperty("tally").GetProperty("changed_share").GetDouble());
        var stored = await shared.Client.GetFromJsonAsync<JsonElement>("/admin/configs/" + policy, Token);
        Assert.Equal(5, stored.GetProperty("limit").GetInt64());
        await shared.Client.DeleteAsync("/admin/configs/" + policy, Token);
    }

    [Fact]
    public async Task InvalidReplay_Is400ProblemJson_WithAnErrorPerField()
    {
        var json = """
            { "policies": [ { "id": "a", "path": "/x", "limit": 0, "window": "fortnight" }, { "id": "a", "path": "/y", "limit": 5, "window": "minute" } ],
              "from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z", "top": 500 }
            """;

        using var response = await shared.Client.PostAsync("/admin/replay", new StringContent(json, Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("errors");
        Assert.Equal(
            ["from", "policies[0].limit", "policies[0].window", "policies[1].id", "top"],
            errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("""{ "policies": [], "since": "yesterday" }""", "since", "unknown field 'since'")]
    [InlineData("""{ "top": "many" }""", "top", "wrong type")]
    [InlineData("""{ "policies": [ { "path": "/x", "limit": 5, "window": "minute", "speed": 1 } ] }""", "policies[0].speed", "unknown field")]
    public async Task MalformedReplay_Is400_NamingTheField(string json, string field, string message)
    {
        using var response = await shared.Client.PostAsync("/admin/replay", new StringContent(json, Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Contains(body.GetProperty("errors").GetProperty(field).EnumerateArray(), e => e.GetString()!.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OversizedReplay_Is413()
    {
        var json = """{ "policies": [ """ + string.Join(',', Enumerable.Repeat("""{ "path": "/x", "limit": 5, "window": "minute" }""", 2_000)) + " ] }";

        using var response = await shared.Client.PostAsync("/admin/replay", new StringContent(json, Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OpenApi_DescribesReplay_WithItsOperationIdResponsesAndTheAdminKey()
    {
        var document = await shared.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Token);

        var operation = document.GetProperty("paths").GetProperty("/admin/replay").GetProperty("post");
        Assert.Equal("replayPolicies", operation.GetProperty("operationId").GetString());
        Assert.Equal(["200", "400", "401", "413", "415", "429"], operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.True(operation.GetProperty("security")[0].TryGetProperty("adminKey", out _));
        Assert.Equal("X-Admin-Key", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("adminKey").GetProperty("name").GetString());
    }

    [Fact]
    public async Task WithRedis_ReplayReadsEveryInstancesRecord()
    {
        using var redis = RedisServer.StartOrSkip();

        var settings = new Dictionary<string, string> { ["Floodgate:Redis:Configuration"] = redis.Endpoint, ["Floodgate:Redis:Timeout"] = "00:00:02" };
        await using var a = await ServerProcess.StartAsync(new(settings) { ["Floodgate:Live:Instance"] = "a" });
        await using var b = await ServerProcess.StartAsync(new(settings) { ["Floodgate:Live:Instance"] = "b" });

        // The same client's (its API key's) eight requests, alternately on A and B: the limit counts in Redis across both.
        var turn = 0;
        var (policy, from) = await SendEightAsync(
            a.Client,
            (client, path) =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add("X-API-Key", client);
                return (turn++ % 2 == 0 ? a : b).Client.SendAsync(request, Token);
            },
            b.Client);

        var report = await ReplayUntilAsync(a.Client, new { from }, policy, 8);

        Assert.Equal(2, report.GetProperty("instances").GetInt32());
        var mine = Group(report, "policies", policy);
        Assert.Equal((8, 5, 0, 0), (Long(mine, "requests"), Long(mine, "admitted"), Long(mine, "newly_denied"), Long(mine, "newly_admitted")));
    }

    /// <summary>A fresh policy of 5 a day on a path of its own, and eight requests of a fresh client on it: 5 admitted, 3 denied.</summary>
    private static async Task<(string Policy, DateTimeOffset From)> SendEightAsync(HttpClient admin, Func<string, string, Task<HttpResponseMessage>> send, HttpClient? other = null)
    {
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var policy = "replay-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/admin/configs", new { id = policy, path = "/api/" + policy, limit = 5, window = "day" }, Token)).StatusCode);
        if (other is not null)
        {
            // The other instance applies the policy once Redis told it.
            await Poll.UntilAsync(() => other.GetAsync("/admin/configs/" + policy, Token).Result.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the policy at the other instance", Token);
        }

        var client = SharedServer.NewClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await send(client, "/api/" + policy);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        return (policy, from);
    }

    /// <summary>Replays until the recording has the policy's <paramref name="requests"/> (the record is written just after each response).</summary>
    private static async Task<JsonElement> ReplayUntilAsync(HttpClient client, object body, string policy, long requests)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var response = await client.PostAsJsonAsync("/admin/replay", body, Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var report = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
            if (report.GetProperty("policies").EnumerateArray().Any(p => p.GetProperty("name").GetString() == policy && Long(p, "requests") >= requests) || DateTime.UtcNow > deadline)
            {
                return report;
            }

            await Task.Delay(50, Token);
        }
    }

    private static JsonElement Group(JsonElement report, string list, string name) =>
        report.GetProperty(list).EnumerateArray().Single(g => g.GetProperty("name").GetString() == name);

    private static long Long(JsonElement group, string field) => group.GetProperty("tally").GetProperty(field).GetInt64();
}
