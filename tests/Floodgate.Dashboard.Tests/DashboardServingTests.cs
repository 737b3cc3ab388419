using System.Net;
using System.Text.RegularExpressions;

namespace Floodgate.Dashboard.Tests;

/// <summary>How the service serves the dashboard's files: from its own assembly, never limited, with a strict CSP.</summary>
public sealed partial class DashboardServingTests(DashboardFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_IsServedWithAndWithoutTheSlash_WithAStrictContentSecurityPolicy()
    {
        var client = fixture.Server.Client;

        using var bare = await client.GetAsync("/dashboard", Token);
        using var slash = await client.GetAsync("/dashboard/", Token);
        var html = await bare.Content.ReadAsStringAsync(Token);
        var csp = string.Join(' ', bare.Headers.GetValues("Content-Security-Policy"));

        Assert.Equal(HttpStatusCode.OK, bare.StatusCode);
        Assert.Equal(HttpStatusCode.OK, slash.StatusCode);
        Assert.Equal("text/html", bare.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>Floodgate dashboard</title>", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains($"connect-src 'self' ws://127.0.0.1:{fixture.Server.Port} wss://127.0.0.1:{fixture.Server.Port};", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", string.Join(',', bare.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task EveryFileThePageLoads_IsEmbedded_AndServedWithItsContentType()
    {
        // The server runs from its build output with a temporary working directory: the files can only come from
        // the assembly.
        var client = fixture.Server.Client;
        var html = await client.GetStringAsync("/dashboard", Token);
        var referenced = Reference().Matches(html).Select(m => m.Groups["path"].Value).Distinct().ToList();
        var modules = new[] { "app", "api", "bans", "chart", "dom", "live", "log", "overview", "policies", "tester" }
            .Select(name => $"/dashboard/js/{name}.js");

        Assert.Contains("/dashboard/js/app.js", referenced);
        Assert.Contains("/dashboard/vendor/uplot/uPlot.min.css", referenced);
        foreach (var path in referenced.Concat(modules).Append("/dashboard/vendor/uplot/uPlot.esm.js").Append("/dashboard/vendor/uplot/LICENSE"))
        {
            using var response = await client.GetAsync(path, Token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
            var expected = Path.GetExtension(path) switch
            {
                ".js" => "text/javascript",
                ".css" => "text/css",
                ".svg" => "image/svg+xml",
                _ => "text/plain",
            };
            Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Files_CarryAnETag_AndARevalidationIsAnswered304()
    {
        var client = fixture.Server.Client;
        using var first = await client.GetAsync("/dashboard/js/app.js", Token);
        var etag = first.Headers.ETag;

        using var again = new HttpRequestMessage(HttpMethod.Get, "/dashboard/js/app.js");
        again.Headers.IfNoneMatch.Add(etag!);
        using var revalidated = await client.SendAsync(again, Token);

        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.True(first.Headers.CacheControl?.NoCache);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Fact]
    public async Task Dashboard_IsNeverRateLimited()
    {
        // More requests than the default limit (100/minute) from one client: none is limited, none carries headers.
        var client = fixture.Server.Client;
        var statuses = new List<HttpStatusCode>();
        var limited = 0;
        for (var i = 0; i < 110; i++)
        {
            using var response = await client.GetAsync(i % 2 == 0 ? "/dashboard" : "/dashboard/favicon.svg", Token);
            statuses.Add(response.StatusCode);
            limited += response.Headers.Contains("X-RateLimit-Limit") ? 1 : 0;
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(0, limited);
    }

    [Fact]
    public async Task UnknownFile_Is404()
    {
        using var response = await fixture.Server.Client.GetAsync("/dashboard/js/missing.js", Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [GeneratedRegex("""(?:src|href)="(?<path>/dashboard/[^"]+)"[\s>]""")]
    private static partial Regex Reference();
}
