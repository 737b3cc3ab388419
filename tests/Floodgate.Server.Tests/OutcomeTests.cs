using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Floodgate.Server.Tests;

/// <summary>
/// The service counts what Floodgate decided for each request (its <c>IRateLimitFeature</c>), never what the status
/// code suggests, through the real process.
/// </summary>
public sealed class OutcomeTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stats_TheApplicationsOwn503_CountsAsAllowed()
    {
        // /events limited like any path (no longer exempt), and one stream at most: the second is answered 503 by the
        // service itself, after Floodgate allowed it.
        await using var server = await ServerProcess.StartAsync(new()
        {
            ["Floodgate:Exempt:10"] = "/not-exempt/**",
            ["Floodgate:Live:MaxConnections"] = "1",
        });
        using var first = await server.Client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead, Token);

        using var second = await server.Client.GetAsync("/events", Token);

        var stats = await server.Client.GetFromJsonAsync<JsonElement>("/admin/stats", Token);
        var endpoint = Assert.Single(stats.GetProperty("endpoints").EnumerateArray(), e => e.GetProperty("name").GetString() == "GET /events/");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal((1, 0), Counts(endpoint)); // the open stream counts once it ends
        Assert.Equal(0, stats.GetProperty("denied").GetInt64());
    }

    [Fact]
    public async Task Stats_ShadowDenialLetThrough_CountsAsAllowed()
    {
        await using var server = await ServerProcess.StartAsync(new() { ["Floodgate:ShadowMode"] = "true" });

        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((int)(await server.Client.PostAsync("/auth/login", null, Token)).StatusCode);
        }

        var (endpoint, client) = await LoginRowsAsync(server);
        Assert.Equal([200, 200, 200, 200], statuses);
        Assert.Equal((4, 0), endpoint);
        Assert.Equal((4, 0), client);
    }

    /// <summary>The login endpoint's row and the only client's row of /admin/stats, as (allowed, denied).</summary>
    private static async Task<((long, long) Endpoint, (long, long) Client)> LoginRowsAsync(ServerProcess server)
    {
        var stats = await server.Client.GetFromJsonAsync<JsonElement>("/admin/stats", Token);
        var endpoint = Assert.Single(stats.GetProperty("endpoints").EnumerateArray(), e => e.GetProperty("name").GetString() == "POST /auth/login");
        var client = Assert.Single(stats.GetProperty("top_clients").EnumerateArray());
        return (Counts(endpoint), Counts(client));
    }

    private static (long, long) Counts(JsonElement row) => (row.GetProperty("allowed").GetInt64(), row.GetProperty("denied").GetInt64());
}
