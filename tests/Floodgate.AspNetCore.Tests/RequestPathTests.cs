using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Floodgate.AspNetCore.Policies;
using Floodgate.Layers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Floodgate.AspNetCore.Tests;

/// <summary>The request path's state across reloads, the rejection hook, and start-up validation of every option.</summary>
public sealed class RequestPathTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PolicyEdit_KeepsAnOpenCircuitBreakerOpen()
    {
        var rules = new EditableRuleSource();
        await using var host = await TestHost.StartAsync(
            new()
            {
                ["Floodgate:DefaultLimit"] = "1000/minute",
                ["Floodgate:Penalty:Enabled"] = "false",
                ["Floodgate:Global:CircuitBreaker:Threshold"] = "3/second",
                ["Floodgate:Global:CircuitBreaker:CoolDown"] = "00:00:30",
                ["Floodgate:Global:CircuitBreaker:Mode"] = "Lockdown",
            },
            services: s => s.AddSingleton<IRateLimitRuleSource>(rules));
        var client = host.Client();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data", Token)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/data", Token)).StatusCode);
        var breaker = host.Get<FloodgateRuntime>().Breaker;

        // An operator edits a policy: the settings are rebuilt, the surge is not over.
        rules.Set(new RuleOptions { Name = "edited", Path = "/api/other", Limit = "10/minute" });
        var afterEdit = await client.GetAsync("/api/data", Token);
        var body = await afterEdit.Content.ReadFromJsonAsync<JsonElement>(Token);

        Assert.NotNull(host.Get<FloodgateSettingsProvider>().Current.FindPolicy("edited"));
        Assert.Same(breaker, host.Get<FloodgateRuntime>().Breaker);
        Assert.Equal(CircuitState.Open, breaker!.State);
        Assert.Equal(HttpStatusCode.TooManyRequests, afterEdit.StatusCode);
        Assert.Equal("circuit_open", body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AttributePolicy_FollowsAReload()
    {
        await using var host = await TestHost.StartAsync(
            new() { ["Floodgate:Penalty:Enabled"] = "false" },
            map: app => app.MapGet("/attributed", (HttpContext context) => context.Features.Get<IRateLimitFeature>()!.Decision.Rule!.Algorithm.ToString()).RateLimit("5/minute"));
        var client = host.Client();
        Assert.Equal(nameof(RateLimitAlgorithm.SlidingWindowCounter), await client.GetStringAsync("/attributed", Token));

        // The attribute names no algorithm, so the configured default applies, before and after the reload.
        var configuration = (IConfigurationRoot)host.Get<IConfiguration>();
        configuration["Floodgate:Algorithm"] = nameof(RateLimitAlgorithm.FixedWindow);
        configuration.Reload();

        Assert.Equal(RateLimitAlgorithm.FixedWindow, host.Get<FloodgateSettingsProvider>().Current.Options.Algorithm);
        Assert.Equal(nameof(RateLimitAlgorithm.FixedWindow), await client.GetStringAsync("/attributed", Token));
    }

    [Fact]
    public async Task OnRejected_GetsTheRejection_AndMayAddHeaders_BeforeTheProblemBody()
    {
        RateLimitRejectedContext? seen = null;
        string? path = null;
        await using var host = await TestHost.StartAsync(
            new() { ["Floodgate:DefaultLimit"] = "1/minute", ["Floodgate:Penalty:Enabled"] = "false" },
            services: s => s.Configure<FloodgateOptions>(o => o.OnRejected = (context, _) =>
            {
                seen = context;
                path = context.HttpContext.Request.Path.Value;
                context.HttpContext.Response.Headers["X-Denied"] = context.Policy + " " + context.Decision.Reason;
                return ValueTask.CompletedTask;
            }));
        var client = host.Client();
        await client.GetAsync("/api/data", Token);

        var rejected = await client.GetAsync("/api/data", Token);
        var body = await rejected.Content.ReadFromJsonAsync<JsonElement>(Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal("default LimitExceeded", ResponseTests.Header(rejected, "X-Denied"));
        Assert.Equal("limit_exceeded", body.GetProperty("reason").GetString());
        Assert.NotNull(seen);
        Assert.Equal("default", seen.Policy);
        Assert.Equal("ip:127.0.0.1", seen.Client.Id);
        Assert.Equal(RateLimitLayer.Client, seen.Decision.Layer);
        Assert.Equal("/api/data", path);
    }

    [Fact]
    public async Task OnRejected_MayWriteItsOwnBody_AndStatus()
    {
        await using var host = await TestHost.StartAsync(
            new() { ["Floodgate:DefaultLimit"] = "1/minute", ["Floodgate:Penalty:Enabled"] = "false" },
            services: s => s.Configure<FloodgateOptions>(o => o.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.HttpContext.Response.ContentType = "text/plain";
                await context.HttpContext.Response.WriteAsync($"slow down, {context.Client.Id}", cancellationToken);
            }));
        var client = host.Client();
        await client.GetAsync("/api/data", Token);

        var rejected = await client.GetAsync("/api/data", Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.Equal("text/plain", rejected.Content.Headers.ContentType?.MediaType);
        Assert.Equal("slow down, ip:127.0.0.1", await rejected.Content.ReadAsStringAsync(Token));
        Assert.NotNull(ResponseTests.Header(rejected, "Retry-After"));
    }

    [Fact]
    public async Task Adapter_DecidesThroughTheSameSteps_EndpointLayerAndBans()
    {
        await using var host = await TestHost.StartWithAdapterAsync(new()
        {
            ["Floodgate:DefaultLimit"] = "1/minute",
            ["Floodgate:Endpoint:Limit"] = "100/minute",
            ["Floodgate:Penalty:Violations"] = "2",
        });
        var client = host.Client();

        var allowed = await client.GetAsync("/api/data", Token);
        var denied = await client.GetAsync("/api/data", Token);
        var deniedBody = await denied.Content.ReadFromJsonAsync<JsonElement>(Token);
        await client.GetAsync("/api/data", Token);
        var banned = await client.GetAsync("/api/other", Token);
        var bannedBody = await banned.Content.ReadFromJsonAsync<JsonElement>(Token);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("0", ResponseTests.Header(allowed, "X-RateLimit-Remaining"));
        Assert.Equal(HttpStatusCode.TooManyRequests, denied.StatusCode);
        Assert.Equal("limit_exceeded", deniedBody.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, banned.StatusCode);
        Assert.Equal("banned", bannedBody.GetProperty("reason").GetString());
        var endpointLayer = await host.Get<Floodgate.Storage.IRateLimitStore>().PeekAsync(EndpointKeys.LayerPrefix + "GET /api/data", new RateLimit(100, TimeSpan.FromMinutes(1)), Token);
        Assert.Equal(99, endpointLayer.Remaining);
    }

    /// <summary>Every option, given a value it does not accept: start-up stops with one line naming the key, the value and what is accepted.</summary>
    [Theory]
    [InlineData("Floodgate:DefaultLimit", "ten/minute", "100/minute")]
    [InlineData("Floodgate:Algorithm", "LeakyBucket", "must be one of SlidingWindowCounter, SlidingWindowLog, TokenBucket, FixedWindow, Gcra")]
    [InlineData("Floodgate:StatusCode", "500", "must be one of 420, 429, 503")]
    [InlineData("Floodgate:StatusCode", "many", "must be a whole number")]
    [InlineData("Floodgate:Headers", "Some", "must be one of Both, Legacy, Draft, None")]
    [InlineData("Floodgate:ShadowMode", "perhaps", "must be true or false")]
    [InlineData("Floodgate:ExemptHealthEndpoints", "perhaps", "must be true or false")]
    [InlineData("Floodgate:Exempt:0", "no-slash", "must start with '/'")]
    [InlineData("Floodgate:Rules:0:Path", "no-slash", "must start with '/'")]
    [InlineData("Floodgate:Rules:0:Methods:0", "GE T", "must be an HTTP method")]
    [InlineData("Floodgate:Rules:0:Limit", "0/minute", "100/minute")]
    [InlineData("Floodgate:Rules:0:Algorithm", "Bogus", "must be one of SlidingWindowCounter")]
    [InlineData("Floodgate:Rules:0:Burst", "-3", "must be between 1 and 1000000000")]
    [InlineData("Floodgate:Rules:0:Burst", "lots", "must be a whole number")]
    [InlineData("Floodgate:Rules:0:Cost", "0", "must be at least 1")]
    [InlineData("Floodgate:Rules:0:Scope", "Planet", "must be one of Client, ApiKey, Ip, Endpoint, Global")]
    [InlineData("Floodgate:Rules:0:Tiers:gold", "lots", "100/minute")]
    [InlineData("Floodgate:Rules:0:Sensitive", "maybe", "must be true or false")]
    [InlineData("Floodgate:Rules:0:SlowDown:Enabled", "maybe", "must be true or false")]
    [InlineData("Floodgate:Rules:0:SlowDown:Step", "soon", "must be a duration")]
    [InlineData("Floodgate:Identification:Sources:0", "Palm", "must be one of User, ApiKey, Jwt, ClientId, Ip")]
    [InlineData("Floodgate:Identification:ApiKeyHeader", "", "must be a non-empty text")]
    [InlineData("Floodgate:Identification:ClientIdHeader", "", "must be a non-empty text")]
    [InlineData("Floodgate:Identification:TrustUnverifiedJwt", "sure", "must be true or false")]
    [InlineData("Floodgate:Identification:Fingerprint", "Paranoid", "must be one of Relaxed")]
    [InlineData("Floodgate:Identification:Ipv6PrefixLength", "200", "must be between 16 and 128")]
    [InlineData("Floodgate:Identification:MaxIdentitiesPerAddress", "-1", "must be between 0 and 1000")]
    [InlineData("Floodgate:Identification:IdentityWindow", "00:00:00", "must be between 00:00:01 and 1.00:00:00")]
    [InlineData("Floodgate:Identification:MaxTrackedAddresses", "0", "must be between 1 and 10000000")]
    [InlineData("Floodgate:ForwardedHeaders:TrustedProxies:0", "10.0.0.0/99", "is not an IP address or CIDR range")]
    [InlineData("Floodgate:ForwardedHeaders:MaxEntries", "0", "must be between 1 and 100")]
    [InlineData("Floodgate:Endpoint:Limit", "5/0s", "100/minute")]
    [InlineData("Floodgate:Global:Limit", "fast", "100/minute")]
    [InlineData("Floodgate:Global:CircuitBreaker:Threshold", "5/minute;6/hour", "exactly one limit")]
    [InlineData("Floodgate:Global:CircuitBreaker:CoolDown", "00:00:00", "must be between 00:00:00.0010000 and 1.00:00:00")]
    [InlineData("Floodgate:Global:CircuitBreaker:Mode", "Panic", "must be one of Adaptive, Lockdown, Disabled")]
    [InlineData("Floodgate:Penalty:Enabled", "sometimes", "must be true or false")]
    [InlineData("Floodgate:Penalty:Violations", "0", "must be between 1 and 1000")]
    [InlineData("Floodgate:Penalty:Window", "00:00:00", "must be between 00:00:01 and 1.00:00:00")]
    [InlineData("Floodgate:Penalty:Window", "soon", "must be a duration like 00:05:00")]
    [InlineData("Floodgate:Penalty:BanDuration", "00:00:00", "must be between 00:00:01 and 365.00:00:00")]
    [InlineData("Floodgate:Penalty:Escalate", "often", "must be true or false")]
    [InlineData("Floodgate:Penalty:MaxBanDuration", "00:00:01", "must be between Floodgate:Penalty:BanDuration (00:15:00)")]
    [InlineData("Floodgate:Tiers:ClaimType", "", "must be a non-empty text")]
    [InlineData("Floodgate:Tiers:Limits:gold", "lots", "100/minute")]
    [InlineData("Floodgate:Memory:MaxKeys", "0", "must be between 1 and 2147483647")]
    [InlineData("Floodgate:Memory:CleanupInterval", "00:00:00", "must be between 00:00:00.0010000 and 1.00:00:00")]
    public async Task EveryOption_GivenAWrongValue_StopsStartUp_WithALineNamingKeyValueAndAccepted(string key, string value, string accepted)
    {
        var configuration = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Floodgate:Rules:0:", StringComparison.Ordinal) && key != "Floodgate:Rules:0:Path")
        {
            configuration["Floodgate:Rules:0:Path"] = "/api/**";
        }

        if (key.StartsWith("Floodgate:Rules:0:SlowDown:Step", StringComparison.Ordinal))
        {
            configuration["Floodgate:Rules:0:SlowDown:Enabled"] = "true";
        }

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(configuration));

        var shown = value.Length == 0 ? "(empty)" : value;
        Assert.Contains(error.Failures, line => line.Contains(key, StringComparison.Ordinal) && line.Contains(shown, StringComparison.Ordinal) && line.Contains(accepted, StringComparison.Ordinal));
        Assert.All(error.Failures, line => Assert.DoesNotContain('\n', line));
    }

    private sealed class EditableRuleSource : IRateLimitRuleSource
    {
        public IReadOnlyList<RuleOptions> Rules { get; private set; } = [];

        public event Action? Changed;

        public void Set(params RuleOptions[] rules)
        {
            Rules = rules;
            Changed?.Invoke();
        }
    }
}
