using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Floodgate.Testing;

namespace Floodgate.Server.Tests;

/// <summary>The live streams: content and order, authentication, slow listeners, several instances.</summary>
public sealed class LiveTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClientStream_TellsDecisionsBanAndUnban_InOrder()
    {
        // A client known by its address alone, so that its decisions and its ban carry one id.
        var client = SharedServer.NewClient();
        var id = await AddressIdAsync(client);
        await using var events = await LiveListener.SseAsync(shared.Client, "/events/" + Uri.EscapeDataString(id));

        // login: 3 per minute; five violations ban.
        for (var i = 0; i < 8; i++)
        {
            await shared.SendFrom(client, HttpMethod.Post, "/auth/login");
        }

        var received = await events.UntilAsync(e => LiveListener.Is(e, "banned"));
        // The third login uses the whole limit: the client is also reported near it (docs/live.md), checked on its own.
        Assert.Contains(received, e => LiveListener.Is(e, "near_limit") && e.GetProperty("policy").GetString() == "login");
        var mine = received.Where(e => !LiveListener.Is(e, "stats") && !LiveListener.Is(e, "config_changed") && !LiveListener.Is(e, "near_limit")).ToList();
        Assert.All(mine, e => Assert.Equal(id, e.GetProperty("client").GetString()));
        Assert.Equal(["allowed", "allowed", "allowed", "denied", "denied", "denied", "denied", "banned"], mine.Select(Type));

        var first = mine[0];
        Assert.Equal("POST /auth/login", first.GetProperty("endpoint").GetString());
        Assert.Equal("login", first.GetProperty("policy").GetString());
        Assert.Equal("client", first.GetProperty("layer").GetString());
        Assert.Equal(3, first.GetProperty("limit").GetInt64());
        Assert.Equal(2, first.GetProperty("remaining").GetInt64());
        Assert.Equal(200, first.GetProperty("status").GetInt32());
        Assert.False(first.TryGetProperty("reason", out _));

        var denied = mine[3];
        Assert.Equal(429, denied.GetProperty("status").GetInt32());
        Assert.Equal("limit_exceeded", denied.GetProperty("reason").GetString());
        Assert.InRange(denied.GetProperty("retry_after").GetInt64(), 1, 60);
        Assert.Equal(1, mine[^1].GetProperty("strike").GetInt32());
        Assert.True(mine[^1].GetProperty("until").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(10));

        // The request that earned the ban is told after the ban; the next is turned away by the ban; then the
        // operator lifts it.
        await events.UntilAsync(e => LiveListener.Is(e, "denied"));
        await shared.SendFrom(client, HttpMethod.Get, "/api/data");
        var turnedAway = (await events.UntilAsync(e => LiveListener.Is(e, "denied")))[^1];
        Assert.Equal("banned", turnedAway.GetProperty("reason").GetString());
        Assert.Equal("GET /api/data", turnedAway.GetProperty("endpoint").GetString());
        Assert.Equal(HttpStatusCode.OK, (await shared.Client.DeleteAsync("/admin/bans/" + Uri.EscapeDataString(id), Token)).StatusCode);
        await events.UntilAsync(e => LiveListener.Is(e, "unbanned") && e.GetProperty("client").GetString() == id);
        await shared.SendFrom(client, HttpMethod.Get, "/api/data");
        var after = await events.UntilAsync(e => LiveListener.Is(e, "allowed"));
        Assert.Equal("GET /api/data", after[^1].GetProperty("endpoint").GetString());
    }

    [Fact]
    public async Task GlobalWebSocket_TellsConfigChangesAndStatsEverySecond()
    {
        await using var events = await LiveListener.WebSocketAsync(new Uri($"ws://127.0.0.1:{shared.Server.Port}/ws/global"));
        var policy = "live-" + Guid.NewGuid().ToString("N")[..8];
        var created = await shared.Client.PostAsJsonAsync("/admin/configs", new { id = policy, path = "/api/" + policy, limit = 7, window = "minute" }, Token);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var change = (await events.UntilAsync(e => LiveListener.Is(e, "config_changed") && e.GetProperty("policy").GetString() == policy))[^1];
        Assert.Equal("created", change.GetProperty("action").GetString());
        Assert.Equal(7, change.GetProperty("document").GetProperty("limit").GetInt64());

        Assert.Equal(HttpStatusCode.OK, (await shared.Client.PutAsJsonAsync("/admin/configs/" + policy, new { path = "/api/" + policy, limit = 9, window = "minute" }, Token)).StatusCode);
        change = (await events.UntilAsync(e => LiveListener.Is(e, "config_changed") && e.GetProperty("policy").GetString() == policy))[^1];
        Assert.Equal("updated", change.GetProperty("action").GetString());
        Assert.Equal(9, change.GetProperty("document").GetProperty("limit").GetInt64());

        Assert.Equal(HttpStatusCode.NoContent, (await shared.Client.DeleteAsync("/admin/configs/" + policy, Token)).StatusCode);
        change = (await events.UntilAsync(e => LiveListener.Is(e, "config_changed") && e.GetProperty("policy").GetString() == policy))[^1];
        Assert.Equal("deleted", change.GetProperty("action").GetString());
        Assert.Equal(JsonValueKind.Null, change.GetProperty("document").ValueKind);

        // A stats event counts the second of a request of ours: the endpoint table has its route.
        var client = SharedServer.NewClient();
        var id = await ClientIdAsync(client);
        await shared.SendAs(client, HttpMethod.Get, "/api/data");
        var stats = await events.UntilAsync(e => LiveListener.Is(e, "stats") && e.GetProperty("endpoints").EnumerateArray().Any(r => r.GetProperty("name").GetString() == "GET /api/data"));
        var last = stats[^1];
        Assert.True(last.GetProperty("allowed").GetInt64() + last.GetProperty("denied").GetInt64() >= 1);
        Assert.Equal(1, last.GetProperty("instances").GetInt32());
        Assert.True(last.GetProperty("listeners").GetInt32() >= 1);
        var seconds = stats.Where(e => LiveListener.Is(e, "stats")).Select(e => e.GetProperty("second").GetDateTimeOffset()).ToList();
        Assert.Equal(seconds.Order(), seconds);
        Assert.NotEmpty(id);

        var history = await shared.Client.GetFromJsonAsync<JsonElement>("/admin/live/history", Token);
        Assert.True(history.GetArrayLength() >= 1);
        Assert.All(history.EnumerateArray(), e => Assert.Equal("stats", e.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task PlainRequestToWebSocketEndpoint_Is400Problem()
    {
        var response = await shared.Client.GetAsync("/ws/global", Token);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Streams_NeedTheAdminKey()
    {
        const string key = "live-admin-key";
        await using var server = await ServerProcess.StartAsync(new() { ["Floodgate:Admin:ApiKey"] = key });
        foreach (var path in new[] { "/events", "/events/ip%3A127.0.0.1", "/ws/global", "/ws/ip%3A127.0.0.1", "/admin/live/history" })
        {
            var refused = await server.Client.GetAsync(path, Token);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var wrong = new HttpRequestMessage(HttpMethod.Get, path);
            wrong.Headers.Add("X-Admin-Key", "not-the-key");
            Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client.SendAsync(wrong, Token)).StatusCode);
        }

        var socket = new ClientWebSocket();
        var failure = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws/global"), Token));
        Assert.Contains("401", failure.Message, StringComparison.Ordinal);

        // The key as a header, or as ?key= for browsers, opens them.
        await using (var sse = await LiveListener.SseAsync(server.Client, "/events?key=" + key))
        {
            await sse.UntilAsync(e => LiveListener.Is(e, "stats"));
        }

        await using (var sse = await LiveListener.SseAsync(server.Client, "/events", key))
        {
            await sse.UntilAsync(e => LiveListener.Is(e, "stats"));
        }

        await using (var ws = await LiveListener.WebSocketAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws/global?key={key}")))
        {
            await ws.UntilAsync(e => LiveListener.Is(e, "stats"));
        }

        await using (var ws = await LiveListener.WebSocketAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws/global"), key))
        {
            await ws.UntilAsync(e => LiveListener.Is(e, "stats"));
        }
    }

    [Fact]
    public async Task StalledListener_DoesNotBlockRequests_AndIsToldWhatItLost()
    {
        await using var server = await ServerProcess.StartAsync(new()
        {
            ["Floodgate:Live:QueueSize"] = "8",
            ["Floodgate:Live:AllowedEventsPerSecond"] = "1000000",
            ["Floodgate:Live:DeniedEventsPerSecond"] = "1000000",
        });

        // A listener that reads nothing, on a socket with a tiny receive buffer: the server's socket and response
        // buffers fill, then its queue, then events are dropped. (HTTP/1.0: the body comes unchunked, as plain lines.)
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
        await stalled.ConnectAsync(IPAddress.Loopback, server.Port, Token);
        await stalled.SendAsync(Encoding.ASCII.GetBytes($"GET /events HTTP/1.0\r\nHost: 127.0.0.1:{server.Port}\r\n\r\n"), Token);

        // Requests complete while it stalls: 3,000 of them, 16 at a time.
        var watch = Stopwatch.StartNew();
        var next = 0;
        var statuses = new int[3000];
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next) - 1) < statuses.Length)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/data");
                request.Headers.Add("X-API-Key", "flood-" + (i % 50));
                using var response = await server.Client.SendAsync(request, Token);
                statuses[i] = (int)response.StatusCode;
            }
        }));
        Assert.All(statuses, s => Assert.True(s is 200 or 429, $"status {s}"));

        // A listener that keeps up is told of the drops in the stats, and the metric counts them.
        await using (var healthy = await LiveListener.SseAsync(server.Client, "/events"))
        {
            var stats = (await healthy.UntilAsync(e => LiveListener.Is(e, "stats")))[^1];
            Assert.True(stats.GetProperty("dropped").GetInt64() > 0, $"no drops counted after {watch.Elapsed}: {stats}");
            Assert.Equal(2, stats.GetProperty("listeners").GetInt32());
        }

        var metrics = await server.Client.GetStringAsync("/metrics", Token);
        Assert.Contains("floodgate_live_dropped_events_total{", metrics, StringComparison.Ordinal);

        // The stalled listener, reading at last, is told how many events it lost.
        stalled.ReceiveTimeout = 10_000;
        var text = new StringBuilder();
        var buffer = new byte[64 * 1024];
        var deadline = Stopwatch.StartNew();
        while (!text.ToString().Contains("event: dropped", StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(Token);
            wait.CancelAfter(TimeSpan.FromSeconds(10));
            var read = await stalled.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        var all = text.ToString();
        var at = all.IndexOf("event: dropped\ndata: ", StringComparison.Ordinal);
        Assert.True(at >= 0, "no dropped event reached the stalled listener");
        var line = all[(at + 21)..].Split('\n')[0];
        Assert.True(JsonDocument.Parse(line).RootElement.GetProperty("count").GetInt64() > 0);
    }

    [Fact]
    public async Task InvalidLiveSetting_StopsStartUp_NamingTheKey()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new() { ["Floodgate:Live:QueueSize"] = "0" }));
        Assert.Contains("Floodgate:Live:QueueSize", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithRedis_EveryInstanceHearsEveryInstance()
    {
        using var redis = RedisServer.StartOrSkip();

        var settings = new Dictionary<string, string> { ["Floodgate:Redis:Configuration"] = redis.Endpoint, ["Floodgate:Redis:Timeout"] = "00:00:02" };
        await using var a = await ServerProcess.StartAsync(new(settings) { ["Floodgate:Live:Instance"] = "a" });
        await using var b = await ServerProcess.StartAsync(new(settings) { ["Floodgate:Live:Instance"] = "b" });
        await using var onA = await LiveListener.SseAsync(a.Client, "/events");

        // Denials on B reach A's stream, told by B; the stats of A sum both instances.
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login");
            request.Headers.Add("X-API-Key", "shared-listener-test");
            await b.Client.SendAsync(request, Token);
        }

        var denied = (await onA.UntilAsync(e => LiveListener.Is(e, "denied")))[^1];
        Assert.Equal("b", denied.GetProperty("instance").GetString());
        var stats = await onA.UntilAsync(e => LiveListener.Is(e, "stats") && e.GetProperty("instances").GetInt32() == 2, TimeSpan.FromSeconds(10));
        Assert.Equal("a", stats[^1].GetProperty("instance").GetString());

        // B's denials show in A's count of that second.
        using var request2 = new HttpRequestMessage(HttpMethod.Post, "/auth/login");
        request2.Headers.Add("X-API-Key", "shared-listener-test");
        await b.Client.SendAsync(request2, Token);
        await onA.UntilAsync(e => LiveListener.Is(e, "stats") && e.GetProperty("denied").GetInt64() >= 1 && e.GetProperty("instances").GetInt32() == 2);
    }

    private static string Type(JsonElement e) => e.GetProperty("type").GetString()!;

    private async Task<string> AddressIdAsync(string machine)
    {
        var status = await shared.SendFrom(machine, HttpMethod.Get, "/rate-limit/status");
        return (await status.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("client").GetString()!;
    }

    private async Task<string> ClientIdAsync(string client)
    {
        var status = await shared.SendAs(client, HttpMethod.Get, "/rate-limit/status");
        return (await status.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("client").GetString()!;
    }
}
