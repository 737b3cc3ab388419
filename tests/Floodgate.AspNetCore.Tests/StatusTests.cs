using System.Net;
using System.Net.Http.Json;
using Floodgate.AspNetCore.Policies;
using Floodgate.AspNetCore.Status;

namespace Floodgate.AspNetCore.Tests;

/// <summary>What an application reads of Floodgate through its public seams: the policies in force and a caller's standing.</summary>
public sealed class StatusTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetStatus_AfterRequests_ReportsTheCallersStandingOnEveryPolicyWithoutConsuming()
    {
        await using var host = await TestHost.StartAsync(
            new()
            {
                ["Floodgate:DefaultLimit"] = "5/minute",
                ["Floodgate:Rules:0:Name"] = "submit",
                ["Floodgate:Rules:0:Path"] = "/api/submit",
                ["Floodgate:Rules:0:Methods:0"] = "POST",
                ["Floodgate:Rules:0:Limit"] = "2/minute;10/hour",
                ["Floodgate:Exempt:0"] = "/status",
            },
            map: app =>
            {
                TestHost.MapDefaults(app);
                app.MapGet("/status", async (HttpContext context, FloodgatePolicies policies) =>
                {
                    var status = await policies.GetStatusAsync(context, context.RequestAborted);
                    return Results.Ok(new
                    {
                        client = status.Client.Id,
                        policies = status.Policies.Select(p => new { p.Name, remaining = p.Standings.Select(s => s.Remaining) }),
                    });
                });
            });
        var client = host.Client("127.0.0.7");
        await client.GetAsync("/api/data", Token);
        await client.PostAsync("/api/submit", null, Token);

        var first = await client.GetFromJsonAsync<StatusBody>("/status", Token);
        var second = await client.GetFromJsonAsync<StatusBody>("/status", Token);

        Assert.Equal("ip:127.0.0.7", first!.Client);
        Assert.Equal(["default", "submit"], first.Policies.Select(p => p.Name));
        Assert.Equal([4], first.Policies[0].Remaining);
        Assert.Equal([1, 9], first.Policies[1].Remaining);
        Assert.Equivalent(first, second);
    }

    [Fact]
    public async Task FindLimits_AndTryParseLimits_ReadPoliciesAsTheMiddlewareDoes()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:Algorithm"] = "TokenBucket",
            ["Floodgate:Rules:0:Name"] = "login",
            ["Floodgate:Rules:0:Path"] = "/login",
            ["Floodgate:Rules:0:Limit"] = "3/minute SlidingWindowLog",
        });
        var policies = host.Get<FloodgatePolicies>();

        Assert.Equal([RateLimit.Parse("3/minute SlidingWindowLog")], policies.FindLimits("login"));
        Assert.NotNull(policies.FindLimits("default"));
        Assert.Null(policies.FindLimits("nothing"));
        Assert.True(policies.TryParseLimits("10/second;100/minute", null, out var limits, out _));
        Assert.All(limits, l => Assert.Equal(RateLimitAlgorithm.TokenBucket, l.Algorithm));
        Assert.False(policies.TryParseLimits("ten/second", null, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void RuleValidator_NamesWhatDoesNotCompile()
    {
        var options = new FloodgateOptions();

        Assert.True(RuleValidator.IsValidPath("/api/**", out _));
        Assert.False(RuleValidator.IsValidPath("api", out var pathError));
        Assert.NotEmpty(pathError);
        Assert.Empty(RuleValidator.Validate(new RuleOptions { Name = "ok", Path = "/api/**", Limit = "5/minute" }, options));
        var problems = RuleValidator.Validate(new RuleOptions { Name = "bad", Path = "/api/**", Limit = "5/minute", Algorithm = RateLimitAlgorithm.FixedWindow, Burst = 10 }, options, "policy 'bad'");
        Assert.Contains(problems, p => p.StartsWith("policy 'bad'", StringComparison.Ordinal));
    }

    private sealed record StatusBody(string Client, List<PolicyBody> Policies);

    private sealed record PolicyBody(string Name, List<long> Remaining);
}
