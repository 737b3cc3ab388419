using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Floodgate.Penalties;

namespace Floodgate.AspNetCore.Tests;

public sealed class PenaltyTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Config(bool escalate = false) => new()
    {
        ["Floodgate:DefaultLimit"] = "1/minute",
        ["Floodgate:Penalty:Violations"] = "3",
        ["Floodgate:Penalty:Window"] = "00:05:00",
        ["Floodgate:Penalty:BanDuration"] = "00:15:00",
        ["Floodgate:Penalty:Escalate"] = escalate ? "true" : "false",
    };

    [Fact]
    public async Task RepeatedViolations_BanTheClient_OnEveryEndpoint_UntilTheBanEnds()
    {
        await using var host = await TestHost.StartAsync(Config());
        var client = host.Client("127.0.0.2");
        await client.GetAsync("/api/data", Token);
        for (var i = 0; i < 3; i++)
        {
            await client.GetAsync("/api/data", Token); // three violations
        }

        host.Time.Advance(TimeSpan.FromMinutes(2)); // the minute limit is long reset
        var elsewhere = await client.GetAsync("/api/other", Token);
        var body = await elsewhere.Content.ReadFromJsonAsync<JsonElement>(Token);
        var bystander = await host.Client("127.0.0.3").GetAsync("/api/other", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, elsewhere.StatusCode);
        Assert.Equal("banned", body.GetProperty("reason").GetString());
        Assert.Equal("780", ResponseTests.Header(elsewhere, "Retry-After")); // 15 min ban, 2 min served
        Assert.Equal(HttpStatusCode.OK, bystander.StatusCode);

        var bans = await host.Get<IPenaltyBox>().ListBansAsync(Token);
        Assert.Equal("ip:127.0.0.2", Assert.Single(bans).ClientId);

        host.Time.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/other", Token)).StatusCode);
        Assert.Empty(await host.Get<IPenaltyBox>().ListBansAsync(Token));
    }

    [Fact]
    public async Task Unban_LiftsTheBanAtOnce()
    {
        await using var host = await TestHost.StartAsync(Config());
        var client = host.Client("127.0.0.2");
        var box = host.Get<IPenaltyBox>();
        await box.BanAsync("ip:127.0.0.2", TimeSpan.FromHours(1), "operator", Token);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/data", Token)).StatusCode);

        Assert.True(await box.UnbanAsync("ip:127.0.0.2", Token));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data", Token)).StatusCode);
        Assert.False(await box.UnbanAsync("ip:127.0.0.2", Token));
    }

    [Fact]
    public async Task Escalation_DoublesTheBanOfARepeatOffender()
    {
        await using var host = await TestHost.StartAsync(Config(escalate: true));
        var box = host.Get<IPenaltyBox>();

        BanRecord? first = null;
        for (var i = 0; i < 3; i++)
        {
            first = await box.RecordViolationAsync("ip:198.51.100.1", Token) ?? first;
        }

        host.Time.Advance(TimeSpan.FromMinutes(16));
        BanRecord? second = null;
        for (var i = 0; i < 3; i++)
        {
            second = await box.RecordViolationAsync("ip:198.51.100.1", Token) ?? second;
        }

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(TimeSpan.FromMinutes(15), first.ExpiresAt - first.BannedAt);
        Assert.Equal(2, second.Strike);
        Assert.Equal(TimeSpan.FromMinutes(30), second.ExpiresAt - second.BannedAt);
    }

    [Fact]
    public async Task ViolationsOutsideTheWindow_DoNotBan()
    {
        await using var host = await TestHost.StartAsync(Config());
        var box = host.Get<IPenaltyBox>();

        for (var i = 0; i < 6; i++)
        {
            Assert.Null(await box.RecordViolationAsync("ip:198.51.100.2", Token));
            host.Time.Advance(TimeSpan.FromMinutes(3));
        }
    }
}
