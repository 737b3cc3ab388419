using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Floodgate.Dashboard.Tests;

/// <summary>
/// Pictures of the dashboard at 1366x900 after some traffic: the overview, the policy editor and the client tester.
/// They go to the test's output (screenshots/) and, when FLOODGATE_SCREENSHOTS_DIR names a directory, there too
/// (the README's pictures in docs/images are made that way). On the shared service, so they also show what the other
/// tests do at the time. Not a test of the suite: they pace real traffic in real time, so ./test.sh leaves out the
/// <c>Category=Screenshots</c> trait and eng/screenshots.sh runs them alone.
/// </summary>
[Trait("Category", "Screenshots")]
public sealed class ScreenshotTests(DashboardFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Screenshots_OfTheOverviewThePolicyEditorAndTheClientTester()
    {
        var server = fixture.Server;
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, server);
        var page = dashboard.Page;
        await dashboard.WaitForLiveAsync();
        await CreatePoliciesAsync(server);

        // The overview is taken while the traffic still flows, so that its last second is not empty.
        var seconds = Environment.GetEnvironmentVariable("FLOODGATE_SCREENSHOTS_DIR") is { Length: > 0 } ? 60 : 5;
        var traffic = SendTrafficAsync(server, seconds);
        await Task.Delay(TimeSpan.FromSeconds(seconds - 1.5), Token);
        await dashboard.WaitForChartAsync("denied", 1);
        await Expect(page.Locator("#bans tbody tr").First).ToBeVisibleAsync();
        var overview = await SaveAsync(dashboard, "dashboard-overview.png");
        await traffic;

        await dashboard.ShowTabAsync("Policies");
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit search" }).ClickAsync();
        var form = page.Locator("#policy-form");
        await form.GetByLabel("Limit", new() { Exact = true }).FillAsync("0");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator("#policy-limit-error")).Not.ToBeEmptyAsync();
        var policies = await SaveAsync(dashboard, "dashboard-policies.png");

        await dashboard.ShowTabAsync("Client tester");
        var tester = page.Locator("#tester-form");
        await tester.GetByLabel("Method", new() { Exact = true }).SelectOptionAsync("POST");
        await tester.GetByLabel("Path", new() { Exact = true }).FillAsync("/auth/login");
        await tester.GetByLabel("Requests", new() { Exact = true }).FillAsync("6");
        await tester.GetByLabel("an API key, X-API-Key", new() { Exact = true }).CheckAsync();
        await tester.GetByLabel("Value", new() { Exact = true }).FillAsync("tester-4f2a9c1e");
        await tester.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(page.Locator("#tester-results tbody tr")).ToHaveCountAsync(6);
        var clientTester = await SaveAsync(dashboard, "dashboard-client-tester.png");

        foreach (var png in new[] { overview, policies, clientTester })
        {
            var (width, height) = PngSize(png);
            Assert.Equal((DashboardPage.Width, DashboardPage.Height), (width, height));
        }

        Assert.Empty(dashboard.ErrorsExcept(400, 429));
    }

    /// <summary>
    /// <paramref name="seconds"/> of traffic: a varying load from twenty clients well within their limits, and in the
    /// middle one client that tries to log in ten times a second, is denied, then banned (and denied on).
    /// </summary>
    private static async Task SendTrafficAsync(ServerProcess server, int seconds)
    {
        var clients = Enumerable.Range(1, 20).Select(i => $"app-{i:00}-{Guid.NewGuid():N}").ToArray();
        var attacker = "credential-stuffer-" + Guid.NewGuid().ToString("N");
        var attackFrom = seconds * 2 / 5;
        var attackUntil = seconds * 7 / 10;
        var watch = Stopwatch.StartNew();
        for (var second = 0; second < seconds; second++)
        {
            var requests = new List<Task<HttpResponseMessage>>();
            var load = 6 + (int)Math.Round(5 * Math.Sin(second / 5.0)) + Math.Min(second, 8);
            for (var i = 0; i < load; i++)
            {
                requests.Add(DashboardFixture.SendAsync(server, clients[(i + second) % clients.Length], HttpMethod.Get, "/api/data"));
            }

            if (second >= attackFrom && second < attackUntil)
            {
                for (var i = 0; i < 10; i++)
                {
                    requests.Add(DashboardFixture.SendAsync(server, attacker, HttpMethod.Post, "/auth/login"));
                }
            }

            if (second % 2 == 0)
            {
                requests.Add(DashboardFixture.SendAsync(server, clients[second % clients.Length], HttpMethod.Post, "/api/resource"));
            }

            foreach (var response in await Task.WhenAll(requests))
            {
                response.Dispose();
            }

            var next = TimeSpan.FromSeconds(second + 1) - watch.Elapsed;
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next, Token);
            }
        }
    }

    private static async Task CreatePoliciesAsync(ServerProcess server)
    {
        (string Id, object Document)[] policies =
        [
            ("search", new { path = "/api/search/**", methods = new[] { "GET" }, limit = 30, window = "minute", algorithm = "TokenBucket", burst = 60 }),
            ("exports", new { path = "/api/exports/*", methods = new[] { "POST" }, limit = 5, window = "hour", algorithm = "SlidingWindowLog", scope = "ApiKey" }),
            ("uploads", new { path = "/api/uploads", limit = 100, window = "10s", algorithm = "Gcra", burst = 20, cost = 5 }),
        ];
        foreach (var (id, document) in policies)
        {
            using var response = await server.Client.PutAsJsonAsync($"/admin/configs/{id}", document, Token);
            response.EnsureSuccessStatusCode();
        }
    }

    private static async Task<string> SaveAsync(DashboardPage dashboard, string name)
    {
        // Let the chart and tables take the latest second, then move the pointer out of the way.
        await dashboard.Page.Mouse.MoveAsync(0, DashboardPage.Height - 1);
        await dashboard.Page.WaitForTimeoutAsync(300);
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", name);
        await dashboard.SaveScreenshotAsync(path);
        if (Environment.GetEnvironmentVariable("FLOODGATE_SCREENSHOTS_DIR") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            File.Copy(path, Path.Combine(directory, name), overwrite: true);
        }

        return path;
    }

    /// <summary>Width and height from a PNG's IHDR chunk.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 24 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G', $"{path} is not a PNG");
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
