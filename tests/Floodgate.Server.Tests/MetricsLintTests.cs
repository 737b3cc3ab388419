using System.Net;
using Floodgate.Testing;

namespace Floodgate.Server.Tests;

/// <summary>
/// The real service's <c>/metrics</c>, scraped after allowed and denied requests, passes <c>promtool check metrics</c>
/// (Debian package <c>prometheus</c>): Prometheus names, counters typed <c>counter</c> with <c>_total</c>, units in names.
/// </summary>
public sealed class MetricsLintTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_AfterAllowedAndDeniedTraffic_PassPromtoolCheck()
    {
        var promtool = RequiredService.FindOnPath("promtool");
        if (promtool is null)
        {
            RequiredService.Unavailable("promtool is not installed (./test.sh installs it: apt-get install prometheus)");
            return;
        }

        // /auth/login admits 3 a minute per client: the fourth and fifth are denied.
        var client = SharedServer.NewClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var login = await shared.SendAs(client, HttpMethod.Post, "/auth/login");
            statuses.Add(login.StatusCode);
        }

        using var data = await shared.SendAs(client, HttpMethod.Get, "/api/data");
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);

        var metrics = await shared.Client.GetStringAsync("/metrics", Token);
        Assert.Contains("floodgate_decisions_total", metrics, StringComparison.Ordinal);

        var (exitCode, output, error) = await ExternalTool.RunAsync(promtool, ["check", "metrics"], input: metrics);

        Assert.True(exitCode == 0 && string.IsNullOrWhiteSpace(error) && string.IsNullOrWhiteSpace(output), $"promtool check metrics (exit {exitCode}):\n{output}\n{error}");
    }
}
