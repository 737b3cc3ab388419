using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Floodgate.AspNetCore.Tests;

public sealed class ResponseTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AllowedResponse_CarriesLegacyAndDraftHeaders()
    {
        await using var host = await TestHost.StartAsync(new() { ["Floodgate:DefaultLimit"] = "5/minute" });
        var client = host.Client();

        var response = await client.GetAsync("/api/data", Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("5", Header(response, "X-RateLimit-Limit"));
        Assert.Equal("4", Header(response, "X-RateLimit-Remaining"));
        var resetAt = long.Parse(Header(response, "X-RateLimit-Reset")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(resetAt - host.Time.GetUtcNow().ToUnixTimeSeconds(), 1, 120);
        Assert.Equal("\"default\";q=5;w=60", Header(response, "RateLimit-Policy"));
        Assert.Matches("^\"default\";r=4;t=\\d+$", Header(response, "RateLimit")!);
    }

    [Fact]
    public async Task OverLimit_Returns429WithRetryAfterAndProblemBody()
    {
        await using var host = await TestHost.StartAsync(new() { ["Floodgate:DefaultLimit"] = "3/minute", ["Floodgate:Algorithm"] = "SlidingWindowLog" });
        var client = host.Client();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data", Token)).StatusCode);
        }

        var denied = await client.GetAsync("/api/data", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, denied.StatusCode);
        Assert.Equal("application/problem+json", denied.Content.Headers.ContentType?.MediaType);
        var retryAfter = int.Parse(Header(denied, "Retry-After")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal("0", Header(denied, "X-RateLimit-Remaining"));
        using var body = JsonDocument.Parse(await denied.Content.ReadAsStringAsync(Token));
        Assert.Equal(429, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(retryAfter, body.RootElement.GetProperty("retry_after").GetInt64());
        Assert.Equal(3, body.RootElement.GetProperty("limit").GetInt64());
        Assert.Equal("default", body.RootElement.GetProperty("policy").GetString());
        Assert.Equal("client", body.RootElement.GetProperty("layer").GetString());
    }

    [Fact]
    public async Task StatusCode420_IsUsedForRejections()
    {
        await using var host = await TestHost.StartAsync(new() { ["Floodgate:DefaultLimit"] = "1/minute", ["Floodgate:StatusCode"] = "420" });
        var client = host.Client();
        await client.GetAsync("/api/data", Token);

        var denied = await client.GetAsync("/api/data", Token);

        Assert.Equal((HttpStatusCode)420, denied.StatusCode);
        var body = await denied.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Equal("Enhance Your Calm", body.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("Legacy", true, false)]
    [InlineData("Draft", false, true)]
    [InlineData("None", false, false)]
    [InlineData("Both", true, true)]
    public async Task HeaderMode_ChoosesWhichHeadersAreSent(string mode, bool legacy, bool draft)
    {
        await using var host = await TestHost.StartAsync(new() { ["Floodgate:DefaultLimit"] = "1/minute", ["Floodgate:Headers"] = mode });
        var client = host.Client();

        var allowed = await client.GetAsync("/api/data", Token);
        var denied = await client.GetAsync("/api/data", Token);

        Assert.Equal(legacy, allowed.Headers.Contains("X-RateLimit-Limit"));
        Assert.Equal(draft, allowed.Headers.Contains("RateLimit-Policy"));
        Assert.Equal(draft, allowed.Headers.Contains("RateLimit"));
        Assert.True(denied.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task StackedLimits_AllMustPass_AndHeadersReportTheClosestToRunningOut()
    {
        await using var host = await TestHost.StartAsync(new() { ["Floodgate:DefaultLimit"] = "3/minute;5/hour", ["Floodgate:Algorithm"] = "FixedWindow", ["Floodgate:Penalty:Enabled"] = "false" });
        var client = host.Client();

        var first = await client.GetAsync("/api/data", Token);
        Assert.Equal("\"default-minute\";q=3;w=60, \"default-hour\";q=5;w=3600", Header(first, "RateLimit-Policy"));
        Assert.Equal("2", Header(first, "X-RateLimit-Remaining"));
        Assert.StartsWith("\"default-minute\";r=2", Header(first, "RateLimit"), StringComparison.Ordinal);
        await client.GetAsync("/api/data", Token);
        await client.GetAsync("/api/data", Token);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/data", Token)).StatusCode);

        host.Time.Advance(TimeSpan.FromMinutes(1));
        var fourth = await client.GetAsync("/api/data", Token);
        var fifth = await client.GetAsync("/api/data", Token);
        var sixth = await client.GetAsync("/api/data", Token);

        Assert.Equal(HttpStatusCode.OK, fourth.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fifth.StatusCode);
        Assert.StartsWith("\"default-hour\";r=0", Header(fifth, "RateLimit"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.InRange(int.Parse(Header(sixth, "Retry-After")!, System.Globalization.CultureInfo.InvariantCulture), 61, 3600);
    }

    [Fact]
    public async Task ShadowMode_DecidesButNeverRejects()
    {
        await using var host = await TestHost.StartAsync(new() { ["Floodgate:DefaultLimit"] = "2/minute", ["Floodgate:ShadowMode"] = "true" });
        var client = host.Client();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data", Token)).StatusCode);
        }

        Assert.Empty(await host.Get<Floodgate.Penalties.IPenaltyBox>().ListBansAsync(Token));
    }

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First() : null;
}
