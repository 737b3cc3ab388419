using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Floodgate.Server.Tests;

/// <summary>The service end to end: a real process, real HTTP.</summary>
public sealed class ServerTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Root_DescribesTheService_AndHealthIsUp()
    {
        var server = shared;

        var info = await server.Client.GetFromJsonAsync<JsonElement>("/", Token);
        var health = await server.Client.GetFromJsonAsync<JsonElement>("/health", Token);

        Assert.Equal("Floodgate", info.GetProperty("service").GetString());
        Assert.Equal("memory", info.GetProperty("store").GetString());
        Assert.Equal("/docs", info.GetProperty("links").GetProperty("docs").GetString());
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task DemoRoutes_AreLimited_AndTheFourthLoginIsRejected()
    {
        var me = SharedServer.NewClient();

        var data = await shared.SendAs(me, HttpMethod.Get, "/api/data");
        Assert.Equal(HttpStatusCode.OK, data.StatusCode);
        Assert.Equal("100", Header(data, "X-RateLimit-Limit"));
        Assert.Equal("application/json; charset=utf-8", data.Content.Headers.ContentType?.ToString());
        Assert.Equal("""{"message":"Here is your data.","items":["alpha","beta","gamma"]}""", await data.Content.ReadAsStringAsync(Token));

        var logins = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            logins.Add(await shared.SendAs(me, HttpMethod.Post, "/auth/login"));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], logins.Select(r => r.StatusCode));
        var fourth = logins[3];
        Assert.Equal("3", Header(fourth, "X-RateLimit-Limit"));
        Assert.Equal("0", Header(fourth, "X-RateLimit-Remaining"));
        Assert.Equal("\"login\";q=3;w=60", Header(fourth, "RateLimit-Policy"));
        Assert.NotNull(Header(fourth, "Retry-After"));
        Assert.Equal("application/problem+json", fourth.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Submit_TakesJson_AndRejectsMalformedBodiesWith400()
    {
        var server = shared;

        var ok = await server.Client.PostAsync("/api/submit", Json("{\"name\":\"x\",\"n\":1}"), Token);
        var malformed = await server.Client.PostAsync("/api/submit", Json("{\"name\":"), Token);
        var notJson = await server.Client.PostAsync("/api/submit", new StringContent("name=x", Encoding.UTF8, "text/plain"), Token);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
    }

    [Fact]
    public async Task Resource_IsLimitedPerApiKey_FallingBackToTheAddress()
    {
        await using var server = await ServerProcess.StartAsync(new() { ["Floodgate:Rules:2:Limit"] = "2/minute" });

        var keyA = new List<HttpStatusCode>();
        var keyB = new List<HttpStatusCode>();
        var none = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            keyA.Add((await Post(server, "/api/resource", ("X-API-Key", "key-a"))).StatusCode);
            keyB.Add((await Post(server, "/api/resource", ("X-API-Key", "key-b"))).StatusCode);
            none.Add((await Post(server, "/api/resource")).StatusCode);
        }

        HttpStatusCode[] expected = [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests];
        Assert.Equal(expected, keyA);
        Assert.Equal(expected, keyB);
        Assert.Equal(expected, none);
    }

    [Fact]
    public async Task Status_ShowsTheCallersStanding_WithoutConsuming()
    {
        var me = SharedServer.NewClient();
        await shared.SendAs(me, HttpMethod.Post, "/auth/login");

        var first = await (await shared.SendAs(me, HttpMethod.Get, "/rate-limit/status")).Content.ReadFromJsonAsync<JsonElement>(Token);
        var second = await (await shared.SendAs(me, HttpMethod.Get, "/stats")).Content.ReadFromJsonAsync<JsonElement>(Token);

        Assert.StartsWith("key:", first.GetProperty("client").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, LoginRemaining(first));
        Assert.Equal(2, LoginRemaining(second));
        Assert.False(first.GetProperty("banned").GetBoolean());
    }

    [Fact]
    public async Task RepeatedLoginViolations_BanTheClient_AndAdminCanUnblockIt()
    {
        var me = SharedServer.NewClient();
        for (var i = 0; i < 3 + 5; i++)
        {
            await shared.SendAs(me, HttpMethod.Post, "/auth/login");
        }

        var banned = await shared.SendAs(me, HttpMethod.Get, "/api/data");
        var body = await banned.Content.ReadFromJsonAsync<JsonElement>(Token);

        // An unverified API key answers for its address: the ban is the address's.
        var status = await (await shared.SendAs(me, HttpMethod.Get, "/rate-limit/status")).Content.ReadFromJsonAsync<JsonElement>(Token);
        var id = status.GetProperty("address").GetString()!;
        var bans = await shared.Client.GetFromJsonAsync<JsonElement>("/admin/bans", Token);
        var unblock = await shared.Client.PostAsync($"/admin/unblock/{id}", null, Token);
        var after = await shared.SendAs(me, HttpMethod.Get, "/api/data");
        var again = await shared.Client.DeleteAsync($"/admin/bans/{id}", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, banned.StatusCode);
        Assert.Equal("banned", body.GetProperty("reason").GetString());
        Assert.InRange(int.Parse(Header(banned, "Retry-After")!, System.Globalization.CultureInfo.InvariantCulture), 800, 900);
        Assert.Contains(bans.EnumerateArray(), b => b.GetProperty("clientId").GetString() == id);
        Assert.Equal(HttpStatusCode.OK, unblock.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task AdminStats_CountTrafficPerEndpointAndClient()
    {
        var me = SharedServer.NewClient();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 4; i++)
        {
            last = await shared.SendAs(me, HttpMethod.Post, "/auth/login");
        }

        var id = (await last.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("client").GetString();
        var stats = await shared.Client.GetFromJsonAsync<JsonElement>("/admin/stats", Token);
        var client = await shared.Client.GetFromJsonAsync<JsonElement>($"/admin/stats/{id}", Token);
        var unknown = await shared.Client.GetAsync("/admin/stats/ip:203.0.113.9", Token);

        Assert.InRange(stats.GetProperty("allowed").GetInt64(), 3, long.MaxValue);
        Assert.InRange(stats.GetProperty("denied").GetInt64(), 1, long.MaxValue);
        Assert.Contains(stats.GetProperty("endpoints").EnumerateArray(), e => e.GetProperty("name").GetString() == "POST /auth/login" && e.GetProperty("denied").GetInt64() >= 1);
        Assert.Equal(3, client.GetProperty("allowed").GetInt64());
        Assert.Equal(1, client.GetProperty("denied").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task OpenApiAndDocs_AreServed()
    {
        var server = shared;

        var openApi = await server.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Token);
        var docs = await server.Client.GetAsync("/docs/", Token);

        Assert.True(openApi.GetProperty("paths").TryGetProperty("/v1/check", out _));
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/admin/configs", out _));
        var data = openApi.GetProperty("paths").GetProperty("/api/data").GetProperty("get").GetProperty("responses").GetProperty("200");
        Assert.True(data.GetProperty("content").GetProperty("application/json").TryGetProperty("schema", out _));
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("Scalar", await docs.Content.ReadAsStringAsync(Token), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Metrics_ExposeTheFloodgateMeterAndAspNetCoreMeters()
    {
        var me = SharedServer.NewClient();
        for (var i = 0; i < 4; i++)
        {
            await shared.SendAs(me, HttpMethod.Post, "/auth/login");
        }

        var metrics = await shared.Client.GetStringAsync("/metrics", Token);

        Assert.Contains("floodgate_outcome=\"denied\"", metrics, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds_bucket{", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet_process_memory_working_set_bytes{", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("floodgate_floodgate_", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_NameFloodgateInstrumentsAsPrometheusDoes()
    {
        await shared.SendAs(SharedServer.NewClient(), HttpMethod.Post, "/auth/login");

        var lines = (await shared.Client.GetStringAsync("/metrics", Token)).Split('\n');

        Assert.Contains("# TYPE floodgate_decisions_total counter", lines);
        Assert.Contains(lines, line => line.StartsWith("floodgate_decisions_total{", StringComparison.Ordinal) && line.Contains("floodgate_policy=\"login\"", StringComparison.Ordinal));
        Assert.Contains("# TYPE floodgate_check_duration_seconds histogram", lines);
        Assert.Contains(lines, line => line.StartsWith("floodgate_check_duration_seconds_bucket{", StringComparison.Ordinal));
        Assert.Contains("# TYPE floodgate_live_listeners gauge", lines);
    }

    internal static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First() : null;

    private static async Task<HttpResponseMessage> Post(ServerProcess server, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await server.Client.SendAsync(request, Token);
    }

    private static long LoginRemaining(JsonElement status) =>
        status.GetProperty("policies").EnumerateArray().First(p => p.GetProperty("policy").GetString() == "login")
            .GetProperty("limits")[0].GetProperty("remaining").GetInt64();
}
