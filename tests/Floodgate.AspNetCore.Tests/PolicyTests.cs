using System.Net;
using Floodgate.AspNetCore.Policies;
using Microsoft.AspNetCore.Mvc;

namespace Floodgate.AspNetCore.Tests;

public sealed class PolicyTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rules_MatchWildcardsAndMethods_FirstMatchWins()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "100/minute",
            ["Floodgate:Rules:0:Name"] = "submit",
            ["Floodgate:Rules:0:Path"] = "/api/*",
            ["Floodgate:Rules:0:Methods:0"] = "POST",
            ["Floodgate:Rules:0:Limit"] = "1/minute",
            ["Floodgate:Rules:1:Name"] = "api",
            ["Floodgate:Rules:1:Path"] = "/api/**",
            ["Floodgate:Rules:1:Limit"] = "2/minute",
        });
        var client = host.Client();

        var post = await client.PostAsync("/api/submit", null, Token);
        var secondPost = await client.PostAsync("/api/submit", null, Token);
        var get = await client.GetAsync("/api/data", Token);

        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal("\"submit\";q=1;w=60", ResponseTests.Header(post, "RateLimit-Policy"));
        Assert.Equal(HttpStatusCode.TooManyRequests, secondPost.StatusCode);
        Assert.Equal("\"api\";q=2;w=60", ResponseTests.Header(get, "RateLimit-Policy"));
    }

    [Fact]
    public async Task DefaultPolicy_AppliesWhenNoRuleMatches_WithTheDocumentedDefault()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client();

        var response = await client.GetAsync("/internal/ping", Token);

        Assert.Equal("\"default-minute\";q=100;w=60, \"default-hour\";q=1000;w=3600", ResponseTests.Header(response, "RateLimit-Policy"));
    }

    [Fact]
    public async Task HealthEndpoints_AreExemptByDefault_AndExemptPathsAreNeverLimited()
    {
        await using var host = await TestHost.StartAsync(new() { ["Floodgate:DefaultLimit"] = "1/minute", ["Floodgate:Exempt:0"] = "/internal/**" });
        var client = host.Client();

        for (var i = 0; i < 5; i++)
        {
            var health = await client.GetAsync("/health", Token);
            var ping = await client.GetAsync("/internal/ping", Token);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
            Assert.False(health.Headers.Contains("X-RateLimit-Limit"));
        }
    }

    [Fact]
    public async Task MinimalApiMetadata_RateLimitAndDisableRateLimit_OnEndpointsAndGroups()
    {
        await using var host = await TestHost.StartAsync(
            new() { ["Floodgate:DefaultLimit"] = "100/minute" },
            map: app =>
            {
                app.MapGet("/login", () => "ok").RateLimit("2/minute", name: "login");
                app.MapGet("/free", () => "ok").DisableRateLimit();
                var group = app.MapGroup("/v2").RateLimit("1/minute", name: "v2");
                group.MapGet("/items", () => "items");
            });
        var client = host.Client();

        await client.GetAsync("/login", Token);
        await client.GetAsync("/login", Token);
        var third = await client.GetAsync("/login", Token);
        var free = await client.GetAsync("/free", Token);
        await client.GetAsync("/v2/items", Token);
        var groupDenied = await client.GetAsync("/v2/items", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.False(free.Headers.Contains("X-RateLimit-Limit"));
        Assert.Equal(HttpStatusCode.TooManyRequests, groupDenied.StatusCode);
        Assert.Equal("\"v2\";q=1;w=60", ResponseTests.Header(groupDenied, "RateLimit-Policy"));
    }

    [Fact]
    public async Task ControllerAttributes_RateLimitAndDisableRateLimit()
    {
        await using var host = await TestHost.StartAsync(
            new() { ["Floodgate:DefaultLimit"] = "100/minute" },
            services: s => s.AddControllers().AddApplicationPart(typeof(LimitedController).Assembly),
            map: app => app.MapControllers());
        var client = host.Client();

        await client.GetAsync("/limited", Token);
        var second = await client.GetAsync("/limited", Token);
        var open = await client.GetAsync("/limited/open", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.False(open.Headers.Contains("X-RateLimit-Limit"));
    }

    [Fact]
    public void RateLimitAttribute_WithInvalidNotation_Throws()
    {
        Assert.Throws<ArgumentException>(() => new RateLimitAttribute("ten/minute"));
    }

    [Fact]
    public async Task Tiers_ByClaim_ChooseTheLimit()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "1/minute",
            ["Floodgate:Tiers:Limits:premium"] = "3/minute",
        });
        var client = host.Client();

        var free = new List<HttpStatusCode>();
        var premium = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            free.Add((await Send(client, "alice", null)).StatusCode);
            premium.Add((await Send(client, "bob", "premium")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], free);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], premium);
    }

    [Fact]
    public async Task Tiers_ByApiKeyLookup_ChooseTheRuleLimit()
    {
        await using var host = await TestHost.StartAsync(
            new()
            {
                ["Floodgate:Rules:0:Path"] = "/api/**",
                ["Floodgate:Rules:0:Limit"] = "1/minute",
                ["Floodgate:Rules:0:Tiers:gold"] = "4/minute",
            },
            floodgate: f => f.AddTierResolver<GoldKeyResolver>());
        var client = host.Client();

        var gold = 0;
        var plain = 0;
        for (var i = 0; i < 6; i++)
        {
            using var goldRequest = new HttpRequestMessage(HttpMethod.Get, "/api/data") { Headers = { { "X-API-Key", "gold-key" } } };
            using var plainRequest = new HttpRequestMessage(HttpMethod.Get, "/api/data") { Headers = { { "X-API-Key", "plain-key" } } };
            gold += (await client.SendAsync(goldRequest, Token)).IsSuccessStatusCode ? 1 : 0;
            plain += (await client.SendAsync(plainRequest, Token)).IsSuccessStatusCode ? 1 : 0;
        }

        Assert.Equal(4, gold);
        Assert.Equal(1, plain);
    }

    [Fact]
    public async Task Cost_IsTakenPerRequest()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:Rules:0:Path"] = "/api/submit",
            ["Floodgate:Rules:0:Limit"] = "10/minute",
            ["Floodgate:Rules:0:Cost"] = "4",
        });
        var client = host.Client();

        var first = await client.PostAsync("/api/submit", null, Token);
        var second = await client.PostAsync("/api/submit", null, Token);
        var third = await client.PostAsync("/api/submit", null, Token);

        Assert.Equal("6", ResponseTests.Header(first, "X-RateLimit-Remaining"));
        Assert.Equal("2", ResponseTests.Header(second, "X-RateLimit-Remaining"));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
    }

    [Fact]
    public async Task SlowDown_DelaysInsteadOfRejecting_GrowingWithTheExcess()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:Rules:0:Path"] = "/api/data",
            ["Floodgate:Rules:0:Limit"] = "1/minute",
            ["Floodgate:Rules:0:SlowDown:Enabled"] = "true",
            ["Floodgate:Rules:0:SlowDown:Step"] = "00:00:00.500",
            ["Floodgate:Rules:0:SlowDown:MaxDelay"] = "00:00:01",
        });
        var client = host.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data", Token)).StatusCode);

        var delays = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var started = host.Time.GetUtcNow();
            var pending = client.GetAsync("/api/data", Token);
            var response = await AdvanceUntilDone(host, pending, TimeSpan.FromMilliseconds(100));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            delays.Add(host.Time.GetUtcNow() - started);
        }

        // 0.5 s, 1 s, then capped at 1 s: the fake clock only moves in 100 ms steps while the request waits.
        Assert.InRange(delays[0], TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(700));
        Assert.InRange(delays[1], TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(1200));
        Assert.InRange(delays[2], TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(1200));
    }

    internal static async Task<HttpResponseMessage> AdvanceUntilDone(TestHost host, Task<HttpResponseMessage> pending, TimeSpan step)
    {
        for (var i = 0; i < 1000 && !pending.IsCompleted; i++)
        {
            // Let the request reach its timer, or answer once it fired, before moving the clock again (a wait for I/O,
            // not for time; long enough for a loaded machine, or the measured delay overshoots by a step).
            await Task.WhenAny(pending, Task.Delay(100, TestContext.Current.CancellationToken));
            if (!pending.IsCompleted)
            {
                host.Time.Advance(step);
            }
        }

        return await pending;
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string user, string? tier)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/data");
        request.Headers.Add("X-Test-User", user);
        if (tier is not null)
        {
            request.Headers.Add("X-Test-Tier", tier);
        }

        return client.SendAsync(request, Token);
    }
}

public sealed class GoldKeyResolver : Identification.IClientTierResolver
{
    private static readonly string GoldHash = Identification.ClientIdentifier.Hash("key:", "gold-key");

    public ValueTask<string?> ResolveTierAsync(HttpContext context, Identification.ClientIdentity client) =>
        new(client.ApiKeyHash == GoldHash ? "gold" : null);
}

[ApiController]
[Route("limited")]
[RateLimit("1/minute", Name = "limited")]
public sealed class LimitedController : ControllerBase
{
    [HttpGet]
    public string Get() => "limited";

    [HttpGet("open")]
    [DisableRateLimit]
    public string Open() => "open";
}
