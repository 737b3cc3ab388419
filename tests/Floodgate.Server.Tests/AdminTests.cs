using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Floodgate.Server.Admin;
using Microsoft.AspNetCore.Http;

namespace Floodgate.Server.Tests;

public sealed class AdminTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdminKey_NoKeyOrWrongKeyIs401ProblemJson_RightKeyAsHeaderOrBearerPasses()
    {
        await using var server = await ServerProcess.StartAsync(new() { ["Floodgate:Admin:ApiKey"] = "s3cret-admin" });

        var none = await server.Client.GetAsync("/admin/configs", Token);
        var wrong = await Send(server, HttpMethod.Get, "/admin/configs", adminKey: "guess");
        var header = await Send(server, HttpMethod.Get, "/admin/configs", adminKey: "s3cret-admin");
        using var bearerRequest = new HttpRequestMessage(HttpMethod.Get, "/admin/stats");
        bearerRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-admin");
        var bearer = await server.Client.SendAsync(bearerRequest, Token);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
    }

    [Fact]
    public void WithoutAConfiguredKey_OnlyLoopbackCallersPass()
    {
        var authorization = new KeyAuthorization([null, ""]);
        var loopback = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Loopback } };
        var loopback6 = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.IPv6Loopback } };
        var remote = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse("203.0.113.5") } };
        remote.Request.Headers["X-Admin-Key"] = "anything";

        Assert.True(authorization.IsAuthorized(loopback));
        Assert.True(authorization.IsAuthorized(loopback6));
        Assert.False(authorization.IsAuthorized(remote));
    }

    [Fact]
    public void WithAConfiguredKey_EvenLoopbackNeedsIt_AndTheQueryParameterWorksForBrowsers()
    {
        var authorization = new KeyAuthorization(["k1", "k2"]);
        var loopback = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Loopback } };
        var query = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse("203.0.113.5") } };
        query.Request.QueryString = new QueryString("?key=k2");

        Assert.False(authorization.IsAuthorized(loopback));
        Assert.True(authorization.IsAuthorized(query));
    }

    [Fact]
    public async Task PolicyChange_AppliesToTheNextRequest_AndDeleteRestoresTheConfiguredRule()
    {
        await using var server = await ServerProcess.StartAsync();

        var created = await server.Client.PostAsync("/admin/configs", ServerTests.Json("""{ "id": "tight-data", "path": "/api/data", "methods": ["GET"], "limit": 2, "window": "minute", "algorithm": "SlidingWindowLog" }"""), Token);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await server.Client.GetAsync("/api/data", Token)).StatusCode);
        }

        var replaced = await server.Client.PutAsync("/admin/configs/tight-data", ServerTests.Json("""{ "path": "/api/data", "limit": 50, "window": "minute" }"""), Token);
        var afterReplace = await server.Client.GetAsync("/api/data", Token);
        var deleted = await server.Client.DeleteAsync("/admin/configs/tight-data", Token);
        var afterDelete = await server.Client.GetAsync("/api/data", Token);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal("\"tight-data\";q=50;w=60", ServerTests.Header(afterReplace, "RateLimit-Policy"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal("\"data\";q=100;w=60", ServerTests.Header(afterDelete, "RateLimit-Policy"));
    }

    [Fact]
    public async Task Policies_SurviveARestart()
    {
        var directory = Directory.CreateTempSubdirectory("floodgate-restart-").FullName;
        await using (var first = await ServerProcess.StartAsync(directory: directory))
        {
            var created = await first.Client.PostAsync("/admin/configs", ServerTests.Json("""{ "id": "kept", "path": "/api/data", "limit": 1, "window": "hour" }"""), Token);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await using var second = await ServerProcess.StartAsync(directory: directory);
        var listed = await second.Client.GetFromJsonAsync<JsonElement>("/admin/configs", Token);
        var one = await second.Client.GetFromJsonAsync<JsonElement>("/admin/configs/kept", Token);
        var firstRequest = await second.Client.GetAsync("/api/data", Token);
        var secondRequest = await second.Client.GetAsync("/api/data", Token);

        Assert.Contains(listed.EnumerateArray(), p => p.GetProperty("id").GetString() == "kept");
        Assert.Equal("hour", one.GetProperty("window").GetString());
        Assert.Equal("\"kept\";q=1;w=3600", ServerTests.Header(firstRequest, "RateLimit-Policy"));
        Assert.Equal(HttpStatusCode.TooManyRequests, secondRequest.StatusCode);
    }

    [Theory]
    [InlineData("""{ "path": "/x", "window": "minute" }""", "limit")]
    [InlineData("""{ "path": "/x", "limit": 0, "window": "minute" }""", "limit")]
    [InlineData("""{ "path": "/x", "limit": 5, "window": "fortnight" }""", "window")]
    [InlineData("""{ "path": "x", "limit": 5, "window": "minute" }""", "path")]
    [InlineData("""{ "path": "/x", "limit": 5, "window": "minute", "algorithm": "Leaky" }""", "algorithm")]
    [InlineData("""{ "path": "/x", "limit": 5, "window": "minute", "scope": "Planet" }""", "scope")]
    [InlineData("""{ "path": "/x", "limit": 5, "window": "minute", "cost": 9 }""", "cost")]
    [InlineData("""{ "path": "/x", "limit": 5, "window": "minute", "burst": 9 }""", "burst")]
    [InlineData("""{ "path": "/x", "limit": 5, "window": "minute", "methods": ["G E T"] }""", "methods")]
    [InlineData("""{ "id": "bad id!", "path": "/x", "limit": 5, "window": "minute" }""", "id")]
    public async Task InvalidPolicy_Is400ProblemNamingTheField(string body, string field)
    {
        var server = shared;

        var response = await server.Client.PostAsync("/admin/configs", ServerTests.Json(body), Token);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors lack '{field}': {problem}");
    }

    [Theory]
    [InlineData("{", HttpStatusCode.BadRequest)]
    [InlineData("[]", HttpStatusCode.BadRequest)]
    [InlineData("null", HttpStatusCode.BadRequest)]
    [InlineData("{\"limit\": \"many\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"path\": 7}", HttpStatusCode.BadRequest)]
    public async Task MalformedJson_Is400_NeverA500(string body, HttpStatusCode expected)
    {
        var server = shared;

        var post = await server.Client.PostAsync("/admin/configs", ServerTests.Json(body), Token);
        var put = await server.Client.PutAsync("/admin/configs/x", ServerTests.Json(body), Token);

        Assert.Equal(expected, post.StatusCode);
        Assert.Equal(expected, put.StatusCode);
    }

    [Fact]
    public async Task OtherBadRequests_GetClearAnswers()
    {
        var server = shared;

        var wrongType = await server.Client.PostAsync("/admin/configs", new StringContent("limit=5"), Token);
        var huge = await server.Client.PostAsync("/admin/configs", ServerTests.Json("{\"path\":\"/" + new string('a', 70_000) + "\"}"), Token);
        var mismatch = await server.Client.PutAsync("/admin/configs/a", ServerTests.Json("""{ "id": "b", "path": "/x", "limit": 5, "window": "minute" }"""), Token);
        var missing = await server.Client.GetAsync("/admin/configs/nothing-here", Token);
        var deleteMissing = await server.Client.DeleteAsync("/admin/configs/nothing-here", Token);
        var conflictFirst = await server.Client.PostAsync("/admin/configs", ServerTests.Json("""{ "id": "twice", "path": "/x", "limit": 5, "window": "minute" }"""), Token);
        var conflict = await server.Client.PostAsync("/admin/configs", ServerTests.Json("""{ "id": "twice", "path": "/x", "limit": 5, "window": "minute" }"""), Token);
        var unbanMissing = await server.Client.DeleteAsync("/admin/bans/ip:203.0.113.1", Token);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.True(huge.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, huge.StatusCode.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deleteMissing.StatusCode);
        Assert.Equal(HttpStatusCode.Created, conflictFirst.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unbanMissing.StatusCode);
    }

    [Fact]
    public async Task Ipv6Client_WhoseIdHasASlash_IsFoundAndUnbannedThroughItsEscapedId()
    {
        await using var server = await ServerProcess.StartAsync(new() { ["Floodgate:ForwardedHeaders:TrustedProxies:0"] = "127.0.0.1" });
        for (var i = 0; i < 8; i++)
        {
            // 3/minute, then five denials: a ban for the /64 of 2001:db8:1::7.
            using var login = new HttpRequestMessage(HttpMethod.Post, "/auth/login");
            login.Headers.Add("X-Forwarded-For", "2001:db8:1::7");
            using var _ = await server.Client.SendAsync(login, Token);
        }

        var path = Uri.EscapeDataString("ip:2001:db8:1::/64");
        var stats = await server.Client.GetAsync($"/admin/stats/{path}", Token);
        var unban = await server.Client.DeleteAsync($"/admin/bans/{path}", Token);
        var bans = await server.Client.GetStringAsync("/admin/bans", Token);

        Assert.Equal("ip%3A2001%3Adb8%3A1%3A%3A%2F64", path);
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal(HttpStatusCode.OK, unban.StatusCode);
        Assert.Equal("[]", bans);
    }

    private static async Task<HttpResponseMessage> Send(ServerProcess server, HttpMethod method, string path, string? adminKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (adminKey is not null)
        {
            request.Headers.Add("X-Admin-Key", adminKey);
        }

        return await server.Client.SendAsync(request, Token);
    }
}
