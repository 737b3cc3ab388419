using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Floodgate.Dashboard.Tests.DashboardFixture))]

namespace Floodgate.Dashboard.Tests;

/// <summary>
/// One service process and one Chromium for the tests that do not reconfigure the service. Each test opens its own
/// browser context (no shared storage) and speaks as its own clients, so their limits and bans never meet.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private ServerProcess? _server;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _browserProblem;

    internal ServerProcess Server => _server ?? throw new InvalidOperationException("The shared server did not start.");

    /// <summary>The browser, or a skip (a failure under FLOODGATE_REQUIRE_SERVICES=1) naming why there is none.</summary>
    internal IBrowser Browser
    {
        get
        {
            if (_browser is null)
            {
                RequiredService.Unavailable(_browserProblem ?? "Chromium did not start.");
            }

            return _browser!;
        }
    }

    public async ValueTask InitializeAsync()
    {
        // Expectations poll the page; a busy two-core machine needs more than Playwright's 5 s default.
        Assertions.SetDefaultExpectTimeout(15_000);
        // The browser sends every test's requests from 127.0.0.1, and the client tester tells its clients apart by API
        // key alone: the login rule (sensitive, so it would also hold for that one address) is per key here.
        var starting = ServerProcess.StartAsync(new() { ["Floodgate:Rules:3:Sensitive"] = "false" });
        _browserProblem = Chromium.Missing;
        if (_browserProblem is null)
        {
            try
            {
                _playwright = await Playwright.CreateAsync();
                _browser = await Chromium.LaunchAsync(_playwright);
            }
            catch (PlaywrightException ex)
            {
                _browserProblem = $"Chromium at {Chromium.ExecutablePath} did not start under Playwright: {ex.Message}";
            }
        }

        _server = await starting;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A fresh client identity (an API key) for one test.</summary>
    public static string NewClient() => "dash-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Sends a request as <paramref name="apiKey"/> to <paramref name="server"/>, from the key's own loopback address.</summary>
    public static async Task<HttpResponseMessage> SendAsync(ServerProcess server, string apiKey, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-API-Key", apiKey);
        return await server.ClientFor(apiKey).SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// The id Floodgate gives a client (e.g. <c>key:3f9a…</c>), or with <paramref name="field"/> <c>address</c> its
    /// address's (<c>ip:127.1.0.7</c>), asked of /rate-limit/status, which consumes nothing.
    /// </summary>
    public static async Task<string> ClientIdAsync(ServerProcess server, string apiKey, string field = "client")
    {
        using var response = await SendAsync(server, apiKey, HttpMethod.Get, "/rate-limit/status");
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return body.RootElement.GetProperty(field).GetString()!;
    }
}
