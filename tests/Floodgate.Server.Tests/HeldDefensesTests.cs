using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Floodgate.Server.Tests;

/// <summary>Defenses that held against an attacker and must keep holding, through the real service process.</summary>
public sealed class HeldDefensesTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SpoofedIdentityHeaders_FromAnUntrustedPeer_ChangeNothing()
    {
        // The service trusts no proxy: forwarded headers are the client's own words.
        var machine = shared.Server.ClientFor(SharedServer.NewClient());
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login");
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            request.Headers.Add("X-Real-IP", $"198.51.100.{i + 1}");
            request.Headers.Add("Forwarded", $"for=192.0.2.{i + 1}");
            request.Headers.Add("X-Client-ID", "rotating-" + i);
            using var response = await machine.SendAsync(request, Token);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses.Skip(3));
    }

    [Theory]
    [InlineData("/auth/login/", "/AUTH/LOGIN", "/auth//login")]
    [InlineData("/auth/login?x=1", "/auth/login;jsessionid=1", "/auth/%6Cogin")]
    public async Task PathVariantsOfTheLogin_CountAgainstTheSameLimit(string first, string second, string third)
    {
        var machine = shared.Server.ClientFor(SharedServer.NewClient());
        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "/auth/login", first, second, third, "/auth/login" })
        {
            using var response = await machine.PostAsync(path, null, Token);
            statuses.Add(response.StatusCode);
        }

        // Whatever a variant reaches (the login, or no route at all), no variant buys a fourth login a minute.
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) <= 3, string.Join(", ", statuses));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    [Fact]
    public async Task RawApiKeys_NeverAppearInResponsesEventsOrLogs()
    {
        var secret = "raw-secret-" + Guid.NewGuid().ToString("N");
        var bodies = new StringBuilder();
        for (var i = 0; i < 9; i++)
        {
            using var response = await shared.SendAs(secret, HttpMethod.Post, "/auth/login");
            bodies.Append(await response.Content.ReadAsStringAsync(Token));
            bodies.Append(string.Join(' ', response.Headers.Select(h => h.Key + ":" + string.Join(',', h.Value))));
        }

        using var status = await shared.SendAs(secret, HttpMethod.Get, "/rate-limit/status");
        bodies.Append(await status.Content.ReadAsStringAsync(Token));
        bodies.Append(await shared.Client.GetStringAsync("/admin/stats", Token));
        bodies.Append(await shared.Client.GetStringAsync("/admin/bans", Token));
        bodies.Append(await shared.Client.GetStringAsync("/admin/live/history", Token));

        Assert.DoesNotContain(secret, bodies.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, shared.Server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAdminKey_NeverAppearsInResponsesOrLogs()
    {
        const string adminKey = "adm-7c0ffee-secret";
        await using var server = await ServerProcess.StartAsync(new() { ["Floodgate:Admin:ApiKey"] = adminKey });
        var bodies = new StringBuilder();
        foreach (var (path, key) in new[] { ("/admin/configs", "wrong-key"), ("/admin/configs", adminKey), ("/admin/stats", adminKey), ("/admin/live/history", adminKey) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Admin-Key", key);
            using var response = await server.Client.SendAsync(request, Token);
            bodies.Append(await response.Content.ReadAsStringAsync(Token));
        }

        using var created = await server.Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/admin/configs")
            {
                Headers = { { "X-Admin-Key", adminKey } },
                Content = ServerTests.Json("""{ "id": "held", "path": "/api/data", "limit": 5, "window": "minute" }"""),
            },
            Token);
        bodies.Append(await created.Content.ReadAsStringAsync(Token));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain(adminKey, bodies.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(adminKey, server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowHeaderConnections_LeaveHealthAnswering()
    {
        // 300 connections that start a request and never finish its headers.
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 300; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, shared.Server.Port, Token);
                await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /api/data HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-{i}: "), Token);
            }

            using var health = await shared.Client.GetAsync("/health", Token);
            var body = await health.Content.ReadFromJsonAsync<JsonElement>(Token);

            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("Healthy", body.GetProperty("status").GetString());
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }
}
