using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Floodgate.Dashboard.Tests;

/// <summary>
/// The dashboard open in its own browser context at a laptop's size (1366x900), recording what a test must never see:
/// console errors, uncaught exceptions, and requests to any host but the service.
/// </summary>
internal sealed class DashboardPage : IAsyncDisposable
{
    public const int Width = 1366;
    public const int Height = 900;

    private readonly List<string> _errors = [];
    private readonly List<string> _foreignRequests = [];

    private DashboardPage(IBrowserContext context, IPage page, ServerProcess server)
    {
        Context = context;
        Page = page;
        Server = server;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public ServerProcess Server { get; }

    public string Origin => $"http://127.0.0.1:{Server.Port}";

    /// <summary>Console errors and uncaught exceptions so far.</summary>
    public IReadOnlyList<string> Errors => ErrorsExcept();

    /// <summary>
    /// Console errors and uncaught exceptions so far, less the line Chromium itself logs for each response with one of
    /// <paramref name="expectedStatuses"/> (a 429 the client tester asked for, a 400 of a policy the service refused).
    /// </summary>
    public IReadOnlyList<string> ErrorsExcept(params int[] expectedStatuses)
    {
        lock (_errors)
        {
            return [.. _errors.Where(error => !expectedStatuses.Any(status =>
                error.StartsWith($"console: Failed to load resource: the server responded with a status of {status} ", StringComparison.Ordinal)))];
        }
    }

    /// <summary>Requests to anything but the service, so far.</summary>
    public IReadOnlyList<string> ForeignRequests
    {
        get
        {
            lock (_foreignRequests)
            {
                return [.. _foreignRequests];
            }
        }
    }

    public ILocator Connection => Page.Locator("#connection");

    public ILocator Banner => Page.Locator("#banner");

    public ILocator Chart => Page.Locator("#chart");

    /// <summary>Opens <paramref name="address"/>; with <paramref name="adminKey"/>, as a tab that was given the key before.</summary>
    public static async Task<DashboardPage> OpenAsync(IBrowser browser, ServerProcess server, string address = "/dashboard", string? adminKey = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = Width, Height = Height },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        if (adminKey is not null)
        {
            await context.AddInitScriptAsync($"sessionStorage.setItem('floodgate.adminKey', {System.Text.Json.JsonSerializer.Serialize(adminKey)});");
        }

        var page = await context.NewPageAsync();
        var dashboard = new DashboardPage(context, page, server);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                dashboard.Record(dashboard._errors, $"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => dashboard.Record(dashboard._errors, $"exception: {error}");
        context.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(dashboard.Origin + "/", StringComparison.Ordinal) &&
                !request.Url.StartsWith($"ws://127.0.0.1:{server.Port}/", StringComparison.Ordinal))
            {
                dashboard.Record(dashboard._foreignRequests, request.Url);
            }
        };
        await page.GotoAsync(dashboard.Origin + address);
        return dashboard;
    }

    /// <summary>Waits until the live stream is connected (the status pill says "Live (WebSocket)" or "Live (SSE)").</summary>
    public Task WaitForLiveAsync(string transport = "WebSocket") =>
        Expect(Connection).ToHaveTextAsync($"Live ({transport})");

    /// <summary>Opens a tab: "Overview", "Policies" or "Client tester".</summary>
    public async Task ShowTabAsync(string name)
    {
        var tab = Page.GetByRole(AriaRole.Tab, new() { Name = name });
        await tab.ClickAsync();
        await Expect(tab).ToHaveAttributeAsync("aria-selected", "true");
    }

    /// <summary>A number the chart exposes as a data attribute: points, allowed or denied (its 5-minute totals).</summary>
    public async Task<long> ChartValueAsync(string name) =>
        long.Parse(await Chart.GetAttributeAsync("data-" + name) ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Waits until the chart's <paramref name="name"/> total reaches <paramref name="atLeast"/>.</summary>
    public Task WaitForChartAsync(string name, long atLeast) =>
        Page.WaitForFunctionAsync(
            "([name, atLeast]) => Number(document.getElementById('chart').dataset[name]) >= atLeast",
            new object[] { name, atLeast }, new() { Timeout = 20_000, PollingInterval = 100 });

    public async Task SaveScreenshotAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();

    private void Record(List<string> list, string text)
    {
        lock (list)
        {
            list.Add(text);
        }
    }
}
