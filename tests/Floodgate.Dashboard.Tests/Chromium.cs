using Microsoft.Playwright;

namespace Floodgate.Dashboard.Tests;

/// <summary>
/// The system's Chromium (<c>/usr/bin/chromium</c>, or the path in <c>FLOODGATE_CHROMIUM</c>), driven by Playwright.
/// Never Playwright's own browser builds: nothing is downloaded. Each launch gets a fresh temporary profile (Playwright
/// creates and deletes it), so no state carries between runs.
/// </summary>
internal static class Chromium
{
    public static readonly string ExecutablePath =
        Environment.GetEnvironmentVariable("FLOODGATE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    /// <summary>Why Chromium cannot be used here, or <see langword="null"/> when it can.</summary>
    public static string? Missing => File.Exists(ExecutablePath)
        ? null
        : $"Chromium is not installed at {ExecutablePath} (Debian package 'chromium'; ./test.sh installs it when run as root).";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Arguments,
            Timeout = 60_000,
        });
}
