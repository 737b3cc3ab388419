using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Floodgate.Storage;

namespace Floodgate.AspNetCore.Tests;

public sealed class LayerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EndpointLayer_IsSharedByAllClientsOfOneEndpoint()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "100/minute",
            ["Floodgate:Endpoint:Limit"] = "3/minute",
        });

        var statuses = new List<HttpStatusCode>();
        for (var i = 2; i < 6; i++)
        {
            statuses.Add((await host.Client($"127.0.0.{i}").GetAsync("/api/data", Token)).StatusCode);
        }

        var otherEndpoint = await host.Client("127.0.0.9").GetAsync("/api/other", Token);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, otherEndpoint.StatusCode);
    }

    [Fact]
    public async Task EndpointDenial_ReportsTheEndpointLayer_AndDoesNotUseTheClientsQuota()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "5/minute",
            ["Floodgate:Endpoint:Limit"] = "2/minute",
        });
        var client = host.Client("127.0.0.2");
        await client.GetAsync("/api/data", Token);
        await client.GetAsync("/api/data", Token);

        var denied = await client.GetAsync("/api/data", Token);
        var body = await denied.Content.ReadFromJsonAsync<JsonElement>(Token);
        var clientLimit = new RateLimit(5, TimeSpan.FromMinutes(1));
        var standing = await host.Get<IRateLimitStore>().PeekAsync("h|default|ip:127.0.0.2", clientLimit, Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, denied.StatusCode);
        Assert.Equal("endpoint", body.GetProperty("layer").GetString());
        Assert.Contains("\"endpoint\";q=2;w=60", ResponseTests.Header(denied, "RateLimit-Policy"), StringComparison.Ordinal);
        Assert.Equal(3, standing.Remaining); // two admitted requests used the client's quota; the denied one did not
        Assert.Empty(await host.Get<Floodgate.Penalties.IPenaltyBox>().ListBansAsync(Token));
    }

    /// <summary>
    /// A client denied by a shared layer (endpoint or global) did not break its own limit: however many such denials, no
    /// ban. Three times the violations that ban, so a box counting them would have banned twice over.
    /// </summary>
    [Theory]
    [InlineData("Endpoint")]
    [InlineData("Global")]
    public async Task SharedLayerDenials_NeverCountTowardsABan(string layer)
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "100/minute",
            [$"Floodgate:{layer}:Limit"] = "1/minute",
            ["Floodgate:Penalty:Violations"] = "3",
        });
        var client = host.Client("127.0.0.2");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data", Token)).StatusCode);

        for (var i = 0; i < 9; i++)
        {
            var denied = await client.GetAsync("/api/data", Token);
            var body = await denied.Content.ReadFromJsonAsync<JsonElement>(Token);
            Assert.Equal(HttpStatusCode.TooManyRequests, denied.StatusCode);
            Assert.Equal(layer.ToLowerInvariant(), body.GetProperty("layer").GetString());
            Assert.Equal("limit_exceeded", body.GetProperty("reason").GetString());
        }

        Assert.Empty(await host.Get<Floodgate.Penalties.IPenaltyBox>().ListBansAsync(Token));
    }

    [Fact]
    public async Task ClientDenials_CountTowardsABan()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "1/minute",
            ["Floodgate:Penalty:Violations"] = "3",
        });
        var client = host.Client("127.0.0.2");
        await client.GetAsync("/api/data", Token);
        for (var i = 0; i < 3; i++)
        {
            await client.GetAsync("/api/data", Token);
        }

        var ban = Assert.Single(await host.Get<Floodgate.Penalties.IPenaltyBox>().ListBansAsync(Token));
        Assert.Equal("ip:127.0.0.2", ban.ClientId);
    }

    [Fact]
    public async Task ClientDenial_DoesNotUseTheGlobalOrEndpointQuota()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "1/minute",
            ["Floodgate:Endpoint:Limit"] = "10/minute",
            ["Floodgate:Global:Limit"] = "10/minute",
        });
        var client = host.Client("127.0.0.2");
        for (var i = 0; i < 5; i++)
        {
            await client.GetAsync("/api/data", Token);
        }

        var store = host.Get<IRateLimitStore>();
        var global = await store.PeekAsync("global", new RateLimit(10, TimeSpan.FromMinutes(1)), Token);
        var endpoint = await store.PeekAsync("endpoint|GET /api/data", new RateLimit(10, TimeSpan.FromMinutes(1)), Token);

        Assert.Equal(9, global.Remaining);
        Assert.Equal(9, endpoint.Remaining);
    }

    [Fact]
    public async Task GlobalLayer_IsSharedByAllTraffic()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "100/minute",
            ["Floodgate:Global:Limit"] = "4/minute",
        });

        var admitted = 0;
        for (var i = 2; i < 10; i++)
        {
            var response = await host.Client($"127.0.0.{i}").GetAsync(i % 2 == 0 ? "/api/data" : "/api/other", Token);
            admitted += response.IsSuccessStatusCode ? 1 : 0;
        }

        var health = await host.Client().GetAsync("/health", Token);

        Assert.Equal(4, admitted);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task CircuitBreaker_Adaptive_ShedsAnonymousTraffic_LetsUsersThrough_ThenRecovers()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "1000/minute",
            ["Floodgate:Penalty:Enabled"] = "false",
            ["Floodgate:Global:CircuitBreaker:Threshold"] = "5/second",
            ["Floodgate:Global:CircuitBreaker:CoolDown"] = "00:00:30",
            ["Floodgate:Global:CircuitBreaker:Mode"] = "Adaptive",
        });
        var client = host.Client();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data", Token)).StatusCode);
        }

        var surge = await client.GetAsync("/api/data", Token);
        var body = await surge.Content.ReadFromJsonAsync<JsonElement>(Token);
        using var userRequest = new HttpRequestMessage(HttpMethod.Get, "/api/data") { Headers = { { "X-Test-User", "alice" } } };
        var user = await client.SendAsync(userRequest, Token);
        var health = await client.GetAsync("/health", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, surge.StatusCode);
        Assert.Equal("circuit_open", body.GetProperty("reason").GetString());
        Assert.Equal("30", ResponseTests.Header(surge, "Retry-After"));
        Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        host.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data", Token)).StatusCode); // half-open probe passes
        host.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data", Token)).StatusCode);
        Assert.Equal(Floodgate.Layers.CircuitState.Closed, host.Get<FloodgateRuntime>().Breaker!.State);
    }

    [Fact]
    public async Task CircuitBreaker_Lockdown_RejectsEveryoneButExemptRoutes()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "1000/minute",
            ["Floodgate:Global:CircuitBreaker:Threshold"] = "3/second",
            ["Floodgate:Global:CircuitBreaker:Mode"] = "Lockdown",
        });
        var client = host.Client();
        for (var i = 0; i < 4; i++)
        {
            await client.GetAsync("/api/data", Token);
        }

        using var userRequest = new HttpRequestMessage(HttpMethod.Get, "/api/data") { Headers = { { "X-Test-User", "alice" } } };
        var user = await client.SendAsync(userRequest, Token);
        var health = await client.GetAsync("/health", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, user.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task CircuitBreaker_Disabled_OnlyReports()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "1000/minute",
            ["Floodgate:Global:CircuitBreaker:Threshold"] = "3/second",
            ["Floodgate:Global:CircuitBreaker:Mode"] = "Disabled",
        });
        var client = host.Client();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data", Token)).StatusCode);
        }

        Assert.Equal(Floodgate.Layers.CircuitState.Open, host.Get<FloodgateRuntime>().Breaker!.State);
    }
}
