using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Floodgate.Server.Tests;

/// <summary>
/// Attacks on the service's own surfaces (admin API, decision API, statistics, request bodies), each through the
/// real process, with distinct 127.0.0.x source addresses as distinct machines.
/// </summary>
public sealed class AttackTests(SharedServer shared)
{
    private static readonly (string Name, string Value)[] ProxyHeaders =
    [
        ("X-Forwarded-For", "203.0.113.7"),
        ("Forwarded", "for=203.0.113.7"),
        ("X-Real-IP", "203.0.113.7"),
        ("X-Forwarded-Host", "floodgate.example"),
        ("X-Forwarded-Proto", "https"),
    ];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KeylessAdmin_ThroughALocalProxy_IsRefused_WhileDirectLoopbackPasses_AndStartUpWarns()
    {
        await using var server = await ServerProcess.StartAsync(new() { ["Floodgate:ForwardedHeaders:TrustedProxies:0"] = "127.0.0.1" });
        using var proxy = Machine.Client(server, "127.0.0.1");

        var statuses = new List<string>();
        foreach (var (name, value) in ProxyHeaders)
        {
            foreach (var path in new[] { "/admin/configs", "/admin/stats", "/admin/bans", "/admin/live/history", "/events", "/ws/global" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add(name, value);
                using var response = await proxy.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
                statuses.Add($"{name} {path} {(int)response.StatusCode}");
            }
        }

        using var create = new HttpRequestMessage(HttpMethod.Post, "/admin/configs") { Content = ServerTests.Json("""{ "id": "from-afar", "path": "/api/data", "limit": 1, "window": "hour" }""") };
        create.Headers.Add("X-Forwarded-For", "203.0.113.7");
        var created = await proxy.SendAsync(create, Token);
        using var check = new HttpRequestMessage(HttpMethod.Post, "/v1/check") { Content = ServerTests.Json("""{ "key": "k", "limit": "5/minute" }""") };
        check.Headers.Add("X-Forwarded-For", "203.0.113.7");
        var checkedFromAfar = await proxy.SendAsync(check, Token);
        var direct = await proxy.GetAsync("/admin/configs", Token);
        var directCheck = await proxy.PostAsync("/v1/check", ServerTests.Json("""{ "key": "k", "limit": "5/minute" }"""), Token);

        Assert.All(statuses, s => Assert.EndsWith(" 401", s, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, created.StatusCode);
        Assert.Equal("application/problem+json", created.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, checkedFromAfar.StatusCode);
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        Assert.Equal("[]", await direct.Content.ReadAsStringAsync(Token));
        Assert.Equal(HttpStatusCode.OK, directCheck.StatusCode);
        await Poll.UntilAsync(() => server.Output.Contains("Floodgate:Admin:ApiKey", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the start-up warning about a keyless admin API behind a trusted proxy", Token);
    }

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("x-forwarded-for", "203.0.113.7")]
    [InlineData("X-Forwarded-Port", "443")]
    [InlineData("X-Forwarded-Prefix", "/floodgate")]
    [InlineData("X-Original-For", "203.0.113.7:5000")]
    [InlineData("Forwarded", "for=\"[2001:db8::7]\"")]
    [InlineData("X-Real-IP", "203.0.113.7")]
    [InlineData("True-Client-IP", "203.0.113.7")]
    [InlineData("CF-Connecting-IP", "203.0.113.7")]
    [InlineData("Via", "1.1 nginx")]
    public void WithoutAKey_ALoopbackPeerCarryingAnyProxyHeader_IsRefused(string header, string value)
    {
        var authorization = new Admin.KeyAuthorization([null]);
        var direct = new Microsoft.AspNetCore.Http.DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Loopback } };
        var proxied = new Microsoft.AspNetCore.Http.DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Loopback } };
        proxied.Request.Headers[header] = value;

        Assert.True(authorization.IsAuthorized(direct));
        Assert.False(authorization.IsAuthorized(proxied));
    }

    [Fact]
    public async Task DecisionApiKeys_NeverSpendAnHttpClientsQuota_NorTheOtherWayRound()
    {
        await using var server = await ServerProcess.StartAsync(new() { ["Floodgate:Rules:0:Name"] = "api", ["Floodgate:Rules:0:Limit"] = "3/minute" });
        using var first = Machine.Client(server, "127.0.0.7");
        using var second = Machine.Client(server, "127.0.0.8");
        var firstId = await ClientIdAsync(first);
        var secondId = await ClientIdAsync(second);

        // The decision API spends the key that names the first machine's HTTP identity, under the rule of the same name.
        for (var i = 0; i < 3; i++)
        {
            await server.Client.PostAsync("/v1/check", ServerTests.Json($$"""{ "key": "{{firstId}}", "policy": "api" }"""), Token);
        }

        var firstHttp = await first.GetAsync("/api/data", Token);

        // The second machine spends its HTTP quota; then the decision API asks for its key.
        for (var i = 0; i < 3; i++)
        {
            await second.GetAsync("/api/data", Token);
        }

        var secondCheck = await (await server.Client.PostAsync("/v1/check", ServerTests.Json($$"""{ "key": "{{secondId}}", "policy": "api" }"""), Token)).Content.ReadFromJsonAsync<JsonElement>(Token);
        var secondHttp = await second.GetAsync("/api/data", Token);

        Assert.Equal("ip:127.0.0.7", firstId);
        Assert.Equal(HttpStatusCode.OK, firstHttp.StatusCode);
        Assert.Equal("2", ServerTests.Header(firstHttp, "X-RateLimit-Remaining"));
        Assert.True(secondCheck.GetProperty("allowed").GetBoolean(), secondCheck.ToString());
        Assert.Equal(2, secondCheck.GetProperty("remaining").GetInt64());
        Assert.Equal(HttpStatusCode.TooManyRequests, secondHttp.StatusCode);
    }

    [Fact]
    public async Task IdentityFlood_DropsNoConnection_AndAnswersEveryRequestBelow500()
    {
        await using var server = await ServerProcess.StartAsync();

        // Past the client table's cap (10,000) five times over, concurrently, on keep-alive connections from 16 machines.
        var result = await Flood.RunAsync(server, machines: 16, connectionsPerMachine: 4, requests: 50_000, i => Flood.Request(HttpMethod.Get, "/api/data", "flood-" + i));

        var output = server.Output;
        Assert.True(result.Dropped == 0, $"{result}\n{output[..Math.Min(output.Length, 4000)]}");
        Assert.Equal(0, result.ServerErrors);
        Assert.Equal(50_000, result.Answered);
        Assert.DoesNotContain("Exception", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InventedPathsAndMethods_AreCountedUnderOneRowEach_AndTheStatsStayBounded()
    {
        await using var server = await ServerProcess.StartAsync();
        var result = await Flood.RunAsync(server, machines: 2, connectionsPerMachine: 4, requests: 3_000, i => (i % 3) switch
        {
            0 => Flood.Request(HttpMethod.Get, $"/made-up/{i}/x", "paths-" + i),
            1 => Flood.Request(new HttpMethod("INVENTED" + i), "/api/data", "paths-" + i), // no endpoint takes it: (unmatched) too
            _ => Flood.Request(new HttpMethod("M" + i), $"/nowhere-{i}", "paths-" + i),
        });

        var stats = await server.Client.GetStringAsync("/admin/stats", Token);
        var endpoints = JsonDocument.Parse(stats).RootElement.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();
        var history = await PollHistoryAsync(server, h => h.Contains("(unmatched)", StringComparison.Ordinal));
        var seconds = JsonDocument.Parse(history).RootElement.EnumerateArray().ToList();

        Assert.Equal(0, result.ServerErrors);
        Assert.Contains("GET (unmatched)", endpoints);
        Assert.Contains("OTHER (unmatched)", endpoints);
        Assert.DoesNotContain(endpoints, e => e.Contains("made-up", StringComparison.Ordinal) || e.Contains("INVENTED", StringComparison.Ordinal) || e.Contains("nowhere", StringComparison.Ordinal));
        Assert.InRange(endpoints.Count, 2, 51);
        Assert.InRange(stats.Length, 1, 16 * 1024);
        Assert.All(seconds, s => Assert.InRange(s.GetProperty("endpoints").GetArrayLength(), 0, 21));
        Assert.All(seconds, s => Assert.InRange(s.GetProperty("top_clients").GetArrayLength(), 0, 10));
        Assert.DoesNotContain("nowhere", history, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/check")]
    [InlineData("/v1/check/batch")]
    [InlineData("/admin/configs")]
    [InlineData("/api/submit")]
    public async Task ChunkedBody_OfTwoMebibytes_Is413ProblemJson(string path)
    {
        // A valid object padded with 2 MiB of whitespace, chunked (no Content-Length), over a raw socket: the service
        // answers before the body ends and may close the connection while the rest is still being sent, which an
        // HttpClient reports as a failed send instead of the answer.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.31"), 0));
        await socket.ConnectAsync(IPAddress.Loopback, shared.Server.Port, Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-API-Key: {SharedServer.NewClient()}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Token);
        var sending = SendChunksAsync(stream, """{ "key": "k", "limit": "5/minute" """u8.ToArray(), 2 * 1024 * 1024);

        var response = await ReadHeadAsync(stream);
        await sending;

        Assert.StartsWith("HTTP/1.1 413 ", response, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json", response, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Content-Length:", head, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Sends <paramref name="first"/>, then <paramref name="padding"/> bytes of whitespace and a closing brace, in 64 KiB chunks, until the peer stops reading.</summary>
    private static async Task SendChunksAsync(NetworkStream stream, byte[] first, long padding)
    {
        await Task.Yield();
        var spaces = new byte[64 * 1024];
        Array.Fill(spaces, (byte)' ');
        try
        {
            await WriteChunkAsync(stream, first);
            for (long sent = 0; sent < padding; sent += spaces.Length)
            {
                await WriteChunkAsync(stream, spaces);
            }

            await WriteChunkAsync(stream, "}"u8.ToArray());
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        }
        catch (IOException)
        {
            // The service answered and closed the connection: what it answered is what the test reads.
        }
    }

    private static async Task WriteChunkAsync(NetworkStream stream, byte[] chunk)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(chunk.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
        await stream.WriteAsync(chunk);
        await stream.WriteAsync("\r\n"u8.ToArray());
    }

    /// <summary>The status line and headers of the response on <paramref name="stream"/>.</summary>
    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (received.Count < 64 * 1024)
        {
            var n = await stream.ReadAsync(buffer, Token);
            if (n == 0)
            {
                break;
            }

            received.AddRange(buffer.AsSpan(0, n));
            var text = Encoding.ASCII.GetString([.. received]);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                return text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
            }
        }

        return Encoding.ASCII.GetString([.. received]);
    }

    [Fact]
    public async Task ConcurrentHugeChunkedBodies_AreRefusedWithoutBeingRead()
    {
        const long Huge = 16L * 1024 * 1024;
        var bodies = Enumerable.Range(0, 8).Select(_ => new GeneratedBody("{ \"key\": \""u8.ToArray(), Huge, "\"}"u8.ToArray())).ToList();

        var responses = await Task.WhenAll(bodies.Select(async (body, i) =>
        {
            using var machine = Machine.Client(shared.Server, $"127.0.0.{40 + i}");
            using var content = new StreamContent(body);
            content.Headers.ContentType = new("application/json");
            try
            {
                using var response = await machine.PostAsync("/v1/check", content, Token);
                return (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                // The server answered 413 and closed the connection while the body was still being sent.
                return 0;
            }
        }));

        TestContext.Current.TestOutputHelper?.WriteLine("bytes taken from each 16 MiB body: " + string.Join(", ", bodies.Select(b => b.Produced)));
        Assert.All(responses, status => Assert.True(status is 413 or 0, $"status {status}"));
        Assert.All(bodies, body => Assert.InRange(body.Produced, 0, Huge / 2));
    }

    [Fact]
    public async Task AtomicBatch_AboveTheStoresCap_IsRefusedWith400_InsteadOfSilentlyConsumingPart()
    {
        var prefix = SharedServer.NewClient();
        await shared.Client.PostAsync("/v1/check", ServerTests.Json($$"""{ "key": "{{prefix}}-spent", "limit": "1/minute" }"""), Token);

        // 17 checks of two limits each: 34 limits, past the 32 the stores decide as one.
        var checks = Enumerable.Range(0, 16).Select(i => $$"""{ "key": "{{prefix}}-{{i}}", "limit": "5/minute;100/hour" }""")
            .Append($$"""{ "key": "{{prefix}}-spent", "limit": "1/minute;100/hour" }""");
        var tooMany = await shared.Client.PostAsync("/v1/check/batch", ServerTests.Json($$"""{ "atomic": true, "checks": [ {{string.Join(",", checks)}} ] }"""), Token);
        var problem = await tooMany.Content.ReadFromJsonAsync<JsonElement>(Token);

        // 16 checks of two limits each: 32 limits, decided as one.
        var fits = Enumerable.Range(0, 15).Select(i => $$"""{ "key": "{{prefix}}-{{i}}", "limit": "5/minute;100/hour" }""")
            .Append($$"""{ "key": "{{prefix}}-spent", "limit": "1/minute;100/hour" }""");
        var atomic = await shared.Client.PostAsync("/v1/check/batch", ServerTests.Json($$"""{ "atomic": true, "checks": [ {{string.Join(",", fits)}} ] }"""), Token);
        var decided = await atomic.Content.ReadFromJsonAsync<JsonElement>(Token);
        var untouched = await (await shared.Client.PostAsync("/v1/check", ServerTests.Json($$"""{ "key": "{{prefix}}-0", "limit": "5/minute;100/hour" }"""), Token)).Content.ReadFromJsonAsync<JsonElement>(Token);

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("32", problem.GetProperty("errors").GetProperty("checks")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, atomic.StatusCode);
        Assert.False(decided[15].GetProperty("allowed").GetBoolean());
        Assert.Equal(4, untouched.GetProperty("remaining").GetInt64()); // neither batch took anything from it
    }

    [Fact]
    public async Task AtomicBatch_NamingOneKeyAndLimitTwice_IsRefusedWith400_AndSpendsNothing()
    {
        var key = SharedServer.NewClient();

        var twice = await shared.Client.PostAsync("/v1/check/batch", ServerTests.Json($$"""{ "atomic": true, "checks": [ { "key": "{{key}}", "limit": "1/minute" }, { "key": "{{key}}", "limit": "1/minute" } ] }"""), Token);
        var problem = await twice.Content.ReadFromJsonAsync<JsonElement>(Token);
        var after = await (await shared.Client.PostAsync("/v1/check", ServerTests.Json($$"""{ "key": "{{key}}", "limit": "1/minute" }"""), Token)).Content.ReadFromJsonAsync<JsonElement>(Token);

        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("checks[1]", out _), problem.ToString());
        Assert.True(after.GetProperty("allowed").GetBoolean(), after.ToString());
    }

    [Fact]
    public async Task PathVariants_CountAgainstTheSameLoginLimit_AndUnderOneStatsRow()
    {
        using var machine = Machine.Client(shared.Server, "127.0.0.21");
        var id = await ClientIdAsync(machine);

        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "/auth/login", "/auth/login/", "/AUTH/Login", "/auth/%6Cogin", "/auth/./login", "/auth/login?x=1" })
        {
            statuses.Add((await machine.PostAsync(path, null, Token)).StatusCode);
        }

        var stats = await shared.Client.GetStringAsync("/admin/stats", Token);
        var client = await shared.Client.GetFromJsonAsync<JsonElement>("/admin/stats/" + Uri.EscapeDataString(id), Token);
        var names = JsonDocument.Parse(stats).RootElement.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(3, client.GetProperty("allowed").GetInt64());
        Assert.Equal(3, client.GetProperty("denied").GetInt64());
        Assert.Contains("POST /auth/login", names);
        Assert.DoesNotContain(names, n => n!.Contains("AUTH", StringComparison.Ordinal) || n.Contains('%', StringComparison.Ordinal) || n.Contains("/.", StringComparison.Ordinal) || n.Contains('?', StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdminKey_IsNeverEchoed_InAnswersOrLogs()
    {
        const string Key = "s3cret-admin-7f3a9c";
        await using var server = await ServerProcess.StartAsync(new() { ["Floodgate:Admin:ApiKey"] = Key, ["Logging:LogLevel:Default"] = "Debug" });

        var bodies = new StringBuilder();
        foreach (var (presented, path) in new[] { (Key, "/admin/stats"), (Key, "/admin/configs"), (Key, "/admin/live/history"), (Key + "-guess", "/admin/stats"), (Key[..^1], "/v1/check"), (Key, "/") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Admin-Key", presented);
            using var response = await server.Client.SendAsync(request, Token);
            bodies.Append(response.Headers).Append(response.Content.Headers).Append(await response.Content.ReadAsStringAsync(Token));
        }

        bodies.Append(await server.Client.GetStringAsync("/openapi/v1.json", Token));

        Assert.DoesNotContain(Key[..^1], bodies.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Key[..^1], server.Output, StringComparison.Ordinal);
    }

    private static async Task<string> ClientIdAsync(HttpClient machine) =>
        (await machine.GetFromJsonAsync<JsonElement>("/rate-limit/status", Token)).GetProperty("client").GetString()!;

    /// <summary>Reads /admin/live/history until it satisfies <paramref name="condition"/> (a second ends, then its stats arrive).</summary>
    private static async Task<string> PollHistoryAsync(ServerProcess server, Func<string, bool> condition)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var history = await server.Client.GetStringAsync("/admin/live/history", Token);
            if (condition(history))
            {
                return history;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), "No stats second in /admin/live/history met the condition: " + history[..Math.Min(history.Length, 2000)]);
            await Task.Delay(50, Token);
        }
    }
}
