using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Floodgate.Dashboard.Tests;

/// <summary>The Policies view's replay panel and the overview's near-limit list, in Chromium against the shared service.</summary>
public sealed class ReplayPanelTests(DashboardFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task TryOnTheLast15Minutes_ShowsWhatTheEditedPolicyWouldHaveDone_AndSavesNothing()
    {
        var policy = await CreatePolicyAsync(limit: 5);
        var client = DashboardFixture.NewClient();
        for (var i = 0; i < 8; i++)
        {
            using var _ = await DashboardFixture.SendAsync(Server, client, HttpMethod.Get, "/api/" + policy);
        }

        var id = await DashboardFixture.ClientIdAsync(Server, client);
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server, "/dashboard#policies");
        var page = dashboard.Page;
        var form = page.Locator("#policy-form");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Edit {policy}" }).ClickAsync();
        await Field(form, "Limit").FillAsync("3");
        await page.RunAndWaitForResponseAsync(
            () => form.GetByRole(AriaRole.Button, new() { Name = "Try on the last 15 minutes" }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/admin/replay", StringComparison.Ordinal));

        // Of the 8 requests, 5 were admitted; at 3 a day, 2 of them would have been denied.
        var row = page.Locator($"#replay-policies tr[data-policy='{policy}'] td");
        await Expect(page.Locator("#replay")).ToBeVisibleAsync();
        await Expect(row.Nth(1)).ToHaveTextAsync("8");
        await Expect(row.Nth(2)).ToHaveTextAsync("5");
        await Expect(row.Nth(3)).ToHaveTextAsync("2");
        await Expect(row.Nth(4)).ToHaveTextAsync("0");
        await Expect(page.Locator($"#replay-clients tr[data-client='{id}'] td").Nth(2)).ToHaveTextAsync("2");
        await Expect(page.Locator("#replay-summary")).ToContainTextAsync("newly denied");
        await Expect(page.Locator("#policy-status")).ToContainTextAsync("not saved");
        var stored = await Server.Client.GetFromJsonAsync<JsonElement>("/admin/configs/" + policy, Token);

        Assert.Equal(5, stored.GetProperty("limit").GetInt64());
        Assert.Empty(dashboard.Errors);
        await Server.Client.DeleteAsync("/admin/configs/" + policy, Token);
    }

    [Fact]
    public async Task TryOnTheLast15Minutes_ShowsTheServicesValidationErrors_NextToTheFields()
    {
        var policy = await CreatePolicyAsync(limit: 5);
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server, "/dashboard#policies");
        var page = dashboard.Page;
        var form = page.Locator("#policy-form");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Edit {policy}" }).ClickAsync();
        await Field(form, "per window").FillAsync("fortnight");
        await form.GetByRole(AriaRole.Button, new() { Name = "Try on the last 15 minutes" }).ClickAsync();

        await Expect(page.Locator("#policy-window-error")).ToContainTextAsync("A window such as");
        await Expect(Field(form, "per window")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#replay")).ToBeHiddenAsync();
        Assert.Empty(dashboard.ErrorsExcept(400));
        await Server.Client.DeleteAsync("/admin/configs/" + policy, Token);
    }

    [Fact]
    public async Task NearLimit_ListsTheClient_AndLogsTheEvent()
    {
        var policy = await CreatePolicyAsync(limit: 5);
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server);
        var page = dashboard.Page;
        await dashboard.WaitForLiveAsync();
        var client = DashboardFixture.NewClient();
        var id = await DashboardFixture.ClientIdAsync(Server, client);

        // 5 a day at 0.8: the 4th request comes near.
        for (var i = 0; i < 4; i++)
        {
            using var _ = await DashboardFixture.SendAsync(Server, client, HttpMethod.Get, "/api/" + policy);
        }

        var row = page.Locator($"#near-limit tr[data-client='{id}']");
        await Expect(row).ToContainTextAsync(policy);
        await Expect(row).ToContainTextAsync("4 / 5");
        await page.GetByLabel("Filter events by client or endpoint").FillAsync(id);
        await Expect(page.Locator("#log li[data-type='near_limit']")).ToHaveCountAsync(1);
        Assert.Empty(dashboard.ErrorsExcept(404));
        await Server.Client.DeleteAsync("/admin/configs/" + policy, Token);
    }

    private static ILocator Field(ILocator scope, string label) => scope.GetByLabel(label, new() { Exact = true });

    /// <summary>A fresh policy of <paramref name="limit"/> a day on a path of its own.</summary>
    private async Task<string> CreatePolicyAsync(int limit)
    {
        var policy = "dash-replay-" + Guid.NewGuid().ToString("N")[..8];
        using var created = await Server.Client.PostAsJsonAsync("/admin/configs", new { id = policy, path = "/api/" + policy, limit, window = "day" }, Token);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return policy;
    }
}
