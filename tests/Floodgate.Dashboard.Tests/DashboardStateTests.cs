using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Floodgate.Dashboard.Tests;

/// <summary>The dashboard's states that need a service of their own: an admin key, and a service that goes away.</summary>
public sealed class DashboardStateTests(DashboardFixture fixture, KeyedServer keyed) : IClassFixture<KeyedServer>
{
    [Fact]
    public async Task KeyPrompt_AppearsOn401_AndTheRightKeyUnlocksTheApiAndTheStream()
    {
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, keyed.Server);
        var page = dashboard.Page;
        var dialog = page.Locator("#key-dialog");
        var sockets = new List<string>();
        page.WebSocket += (_, socket) =>
        {
            lock (sockets)
            {
                sockets.Add(socket.Url);
            }
        };

        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dashboard.Connection).ToHaveTextAsync("Unauthorized");
        await Expect(dashboard.Banner).ToContainTextAsync("Unauthorized");

        await dialog.GetByLabel("Admin key").FillAsync("not-the-key");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Unlock" }).ClickAsync();
        await Expect(page.Locator("#key-error")).ToHaveTextAsync("The service refused this key.");
        await Expect(dialog).ToBeVisibleAsync();

        await dialog.GetByLabel("Admin key").FillAsync(KeyedServer.AdminKey);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Unlock" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await dashboard.WaitForLiveAsync();
        await Expect(dashboard.Banner).ToBeHiddenAsync();
        await dashboard.WaitForChartAsync("points", 1);
        var stored = await page.EvaluateAsync<string>("() => sessionStorage.getItem('floodgate.adminKey')");

        Assert.Equal(KeyedServer.AdminKey, stored);
        lock (sockets)
        {
            Assert.Contains(sockets, url => url.EndsWith("/ws/global?key=" + KeyedServer.AdminKey, StringComparison.Ordinal));
        }

        // Only the browser's own lines for the requests refused before the key was given.
        Assert.Empty(dashboard.ErrorsExcept(401));
        Assert.Empty(dashboard.ForeignRequests);
    }

    [Fact]
    public async Task ConnectionLost_ShowsTheReconnectingBanner_UntilTheServiceIsBack()
    {
        var server = keyed.Server;
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, server, adminKey: KeyedServer.AdminKey);
        await dashboard.WaitForLiveAsync();
        await Expect(dashboard.Banner).ToBeHiddenAsync();

        await server.StopAsync();
        await Expect(dashboard.Banner).ToBeVisibleAsync();
        await Expect(dashboard.Banner).ToContainTextAsync("Connection lost, reconnecting");
        await Expect(dashboard.Connection).ToHaveTextAsync("Reconnecting…");

        await server.StartAsync();
        await Expect(dashboard.Banner).ToBeHiddenAsync(new() { Timeout = 30_000 });
        await dashboard.WaitForLiveAsync();
    }
}
