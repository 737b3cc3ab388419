using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Floodgate.Dashboard.Tests;

/// <summary>The dashboard in Chromium against the shared service, each test as its own clients.</summary>
public sealed class DashboardTests(DashboardFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Dashboard_Loads_WithoutConsoleErrors_AndAsksNoOtherHost()
    {
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server);

        await dashboard.WaitForLiveAsync();
        // A stats event arrives every second: the chart draws (uPlot's canvas) once one has.
        await dashboard.WaitForChartAsync("points", 1);
        await Expect(dashboard.Page.Locator("#chart canvas")).ToHaveCountAsync(1);
        await Expect(dashboard.Page.Locator("#chart-empty")).ToBeHiddenAsync();
        await Expect(dashboard.Banner).ToBeHiddenAsync();

        Assert.Empty(dashboard.Errors);
        Assert.Empty(dashboard.ForeignRequests);
    }

    [Fact]
    public async Task Chart_Moves_WhenRequestsAreAllowedAndDenied()
    {
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server);
        await dashboard.WaitForLiveAsync();
        await dashboard.WaitForChartAsync("points", 1);
        var allowedBefore = await dashboard.ChartValueAsync("allowed");
        var deniedBefore = await dashboard.ChartValueAsync("denied");

        var client = DashboardFixture.NewClient();
        for (var i = 0; i < 6; i++)
        {
            using var _ = await DashboardFixture.SendAsync(Server, client, HttpMethod.Get, "/api/data");
        }

        for (var i = 0; i < 4; i++)
        {
            // 3/minute: three allowed, the fourth denied.
            using var _ = await DashboardFixture.SendAsync(Server, client, HttpMethod.Post, "/auth/login");
        }

        await dashboard.WaitForChartAsync("allowed", allowedBefore + 9);
        await dashboard.WaitForChartAsync("denied", deniedBefore + 1);
        await Expect(dashboard.Page.Locator("#tile-denied")).Not.ToHaveTextAsync("0");
        await Expect(dashboard.Page.Locator("#endpoints tbody")).ToContainTextAsync("POST /auth/login");
        Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task PolicyCreatedAndEditedInTheUi_AppliesToTheNextRequest()
    {
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server, "/dashboard#policies");
        var page = dashboard.Page;
        var form = page.Locator("#policy-form");
        var client = DashboardFixture.NewClient();
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Policies" })).ToHaveAttributeAsync("aria-selected", "true");

        await Field(form, "Id").FillAsync("ui-resource");
        await Field(form, "Path").FillAsync("/api/resource");
        await Field(form, "POST").CheckAsync();
        await Field(form, "Limit").FillAsync("7");
        await Field(form, "per window").FillAsync("minute");
        await Field(form, "Algorithm").SelectOptionAsync("SlidingWindowLog");
        // The list may also refresh on another test's config_changed event, as soon as a policy is stored and before
        // the service has applied it: the request waits for the service's own answer to the create.
        await page.RunAndWaitForResponseAsync(
            () => form.GetByRole(AriaRole.Button, new() { Name = "Create policy" }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/admin/configs", StringComparison.Ordinal));
        await Expect(page.Locator("#policy-list tr[data-policy='ui-resource']")).ToContainTextAsync("7 / minute");
        using var afterCreate = await DashboardFixture.SendAsync(Server, client, HttpMethod.Post, "/api/resource");

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit ui-resource" }).ClickAsync();
        await Expect(Field(form, "Id")).ToHaveValueAsync("ui-resource");
        await Field(form, "Limit").FillAsync("4");
        await page.RunAndWaitForResponseAsync(
            () => form.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync(),
            r => r.Request.Method == "PUT" && r.Url.EndsWith("/admin/configs/ui-resource", StringComparison.Ordinal));
        await Expect(page.Locator("#policy-list tr[data-policy='ui-resource']")).ToContainTextAsync("4 / minute");
        using var afterEdit = await DashboardFixture.SendAsync(Server, client, HttpMethod.Post, "/api/resource");

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete ui-resource" }).ClickAsync();
        await page.Locator("#confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.Locator("#policy-list tr[data-policy='ui-resource']")).ToHaveCountAsync(0);
        var policies = await Server.Client.GetFromJsonAsync<JsonElement>("/admin/configs", Token);

        Assert.Equal(HttpStatusCode.OK, afterCreate.StatusCode);
        Assert.Equal("\"ui-resource\";q=7;w=60", Header(afterCreate, "RateLimit-Policy"));
        Assert.Equal("\"ui-resource\";q=4;w=60", Header(afterEdit, "RateLimit-Policy"));
        Assert.Equal("4", Header(afterEdit, "X-RateLimit-Limit"));
        Assert.DoesNotContain(policies.EnumerateArray(), p => p.GetProperty("id").GetString() == "ui-resource");
        Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task PolicyForm_ShowsTheServicesValidationErrors_NextToTheFields()
    {
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server, "/dashboard#policies");
        var page = dashboard.Page;
        var form = page.Locator("#policy-form");

        await Field(form, "Id").FillAsync("bad policy!");
        await Field(form, "Path").FillAsync("/api/data");
        await Field(form, "Limit").FillAsync("0");
        await Field(form, "per window").FillAsync("fortnight");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create policy" }).ClickAsync();

        await Expect(page.Locator("#policy-limit-error")).ToContainTextAsync("A whole number between 1 and");
        await Expect(page.Locator("#policy-window-error")).ToContainTextAsync("A window such as");
        await Expect(page.Locator("#policy-id-error")).ToContainTextAsync("letters, digits");
        await Expect(Field(form, "Limit")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#policy-path-error")).ToBeEmptyAsync();
        await Expect(page.Locator("#policy-form-error")).ToContainTextAsync("see the fields marked");
        var policies = await Server.Client.GetFromJsonAsync<JsonElement>("/admin/configs", Token);

        Assert.DoesNotContain(policies.EnumerateArray(), p => p.GetProperty("id").GetString() == "bad policy!");
        Assert.Empty(dashboard.ErrorsExcept(400));
    }

    [Fact]
    public async Task Unban_LiftsTheBan_InTheService()
    {
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server);
        await dashboard.WaitForLiveAsync();
        var key = DashboardFixture.NewClient();

        // POST /auth/login is 3/minute; five denials within five minutes ban the client. Its key is unverified, so
        // the ban is its address's.
        var client = await DashboardFixture.ClientIdAsync(Server, key, "address");
        for (var i = 0; i < 8; i++)
        {
            using var _ = await DashboardFixture.SendAsync(Server, key, HttpMethod.Post, "/auth/login");
        }

        var row = dashboard.Page.Locator($"#bans tr[data-client='{client}']");
        await Expect(row).ToHaveCountAsync(1);
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = $"Unban {client}" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        var bans = await Server.Client.GetFromJsonAsync<JsonElement>("/admin/bans", Token);
        using var after = await DashboardFixture.SendAsync(Server, key, HttpMethod.Get, "/api/data");

        Assert.DoesNotContain(bans.EnumerateArray(), ban => ban.GetProperty("clientId").GetString() == client);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task ClientTester_ListsEachStatus_WithTheRateLimitHeaders()
    {
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server);
        var page = dashboard.Page;
        var form = page.Locator("#tester-form");
        var key = DashboardFixture.NewClient();
        await dashboard.ShowTabAsync("Client tester");

        await Field(form, "Method").SelectOptionAsync("POST");
        await Field(form, "Path").FillAsync("/auth/login");
        await Field(form, "Requests").FillAsync("5");
        await Field(form, "an API key, X-API-Key").CheckAsync();
        await Field(form, "Value").FillAsync(key);
        await form.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();

        var rows = page.Locator("#tester-results tbody tr");
        await Expect(rows).ToHaveCountAsync(5);
        await Expect(page.Locator("#tester-summary")).ToHaveTextAsync("5 sent: 3 × 200, 2 × 429");
        var statuses = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.status)");
        var first = page.Locator("#tester-results tbody tr").Nth(0);
        var fourth = page.Locator("#tester-results tbody tr").Nth(3);
        await Expect(first.Locator("[data-header='X-RateLimit-Limit']")).ToHaveTextAsync("3");
        await Expect(first.Locator("[data-header='X-RateLimit-Remaining']")).ToHaveTextAsync("2");
        await Expect(first.Locator("[data-header='RateLimit-Policy']")).ToHaveTextAsync("\"login\";q=3;w=60");
        await Expect(first.Locator("[data-header='Retry-After']")).ToHaveTextAsync("–");
        await Expect(fourth.Locator("[data-header='Retry-After']")).ToHaveTextAsync(new Regex(@"^\d+$"));
        await Expect(fourth.Locator("[data-header='RateLimit']")).ToHaveTextAsync(new Regex("^\"login\";r=0;t=\\d+$"));
        await Expect(page.Locator("#tester-whoami")).ToHaveAttributeAsync("data-client", await DashboardFixture.ClientIdAsync(Server, key));

        Assert.Equal(["200", "200", "200", "429", "429"], statuses);
        Assert.Empty(dashboard.ErrorsExcept(429));
    }

    [Fact]
    public async Task HtmlInPathsAndHeaders_RendersAsText_NeverAsMarkup()
    {
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server);
        var page = dashboard.Page;
        await dashboard.WaitForLiveAsync();
        var key = DashboardFixture.NewClient();
        var client = await DashboardFixture.ClientIdAsync(Server, key);
        await page.GetByLabel("Filter events by client or endpoint").FillAsync(client);

        // login is 3/minute: the denials reach the event log with the attacker's path and user agent.
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login?<img src=x onerror=window.__pwned=1>");
            request.Headers.Add("X-API-Key", key);
            request.Headers.TryAddWithoutValidation("User-Agent", "<script>window.__pwned=2</script>");
            using var _ = await Server.ClientFor(key).SendAsync(request, Token);
            using var unmatched = await DashboardFixture.SendAsync(Server, key, HttpMethod.Get, "/<svg onload=window.__pwned=3>");
        }

        await Expect(page.Locator("#log li[data-type='denied']").First).ToBeVisibleAsync();
        await dashboard.ShowTabAsync("Overview");

        Assert.Equal(0, await page.Locator("#log img, #log svg, #log script, #endpoints img, #endpoints svg, #clients img, #clients svg").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__pwned === undefined"));
        Assert.Empty(dashboard.ErrorsExcept(429, 404));
    }

    [Fact]
    public async Task EventLog_ShowsAClientsDenials_AndFiltersByType()
    {
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server);
        var page = dashboard.Page;
        await dashboard.WaitForLiveAsync();
        var key = DashboardFixture.NewClient();
        var client = await DashboardFixture.ClientIdAsync(Server, key);
        await page.GetByLabel("Filter events by client or endpoint").FillAsync(client);

        for (var i = 0; i < 4; i++)
        {
            using var _ = await DashboardFixture.SendAsync(Server, key, HttpMethod.Post, "/auth/login");
        }

        var denied = page.Locator("#log li[data-type='denied']");
        await Expect(denied).ToHaveCountAsync(1);
        await Expect(denied).ToContainTextAsync("POST /auth/login");
        await Expect(page.Locator("#log li").First).ToHaveAttributeAsync("data-type", "denied");
        await Field(page.Locator(".log-filter"), "denied").UncheckAsync();
        await Expect(denied).ToHaveCountAsync(0);
        Assert.Empty(dashboard.Errors);
    }

    [Fact]
    public async Task ServerSentEvents_CarryTheStream_WhenChosen()
    {
        await using var dashboard = await DashboardPage.OpenAsync(fixture.Browser, Server, "/dashboard?transport=sse");
        await dashboard.WaitForLiveAsync("SSE");
        var before = await dashboard.ChartValueAsync("allowed");

        using var _ = await DashboardFixture.SendAsync(Server, DashboardFixture.NewClient(), HttpMethod.Get, "/api/data");

        await dashboard.WaitForChartAsync("allowed", before + 1);
        Assert.Empty(dashboard.Errors);
    }

    private static ILocator Field(ILocator scope, string label) => scope.GetByLabel(label, new() { Exact = true });

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : string.Empty;
}
