using System.Security.Cryptography;
using System.Text.Json;
using Floodgate.Testing;

namespace Floodgate.Server.Tests;

/// <summary>
/// The service's <c>/openapi/v1.json</c>, fetched from the real process, passes <c>@redocly/cli lint</c> with its
/// recommended rules. The linter's version is pinned in <c>eng/openapi-lint/package-lock.json</c> and installed with
/// <c>npm ci</c> into a cache folder named by the lock file's hash, so a run after the first installs nothing.
/// </summary>
public sealed class OpenApiLintTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenApiDocument_PassesRedoclyLint_WithNoErrors()
    {
        var linter = await InstallLinterAsync();
        if (linter is null)
        {
            return;
        }

        var document = Path.Combine(Directory.CreateTempSubdirectory("floodgate-openapi-").FullName, "v1.json");
        await File.WriteAllTextAsync(document, await shared.Client.GetStringAsync("/openapi/v1.json", Token), Token);

        var (exitCode, output, error) = await ExternalTool.RunAsync(linter.Value.Node, [linter.Value.Cli, "lint", document, "--format=json"], Path.GetDirectoryName(document));

        // Redocly prints a JSON report on stdout: totals, and every problem with its rule and place.
        var start = output.IndexOf('{', StringComparison.Ordinal);
        Assert.True(start >= 0, $"redocly printed no report (exit {exitCode}): {output}\n{error}");
        using var report = JsonDocument.Parse(output[start..]);
        var totals = report.RootElement.GetProperty("totals");
        var errors = report.RootElement.GetProperty("problems").EnumerateArray()
            .Where(p => p.GetProperty("severity").GetString() == "error")
            .Select(p => $"{p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} at {Location(p)}")
            .ToList();
        Assert.True(totals.GetProperty("errors").GetInt32() == 0 && exitCode == 0, $"redocly lint found {totals.GetProperty("errors").GetInt32()} errors:\n" + string.Join('\n', errors));
    }

    [Fact]
    public async Task OpenApiDocument_DeclaresKeysOnProtectedRoutes_AndNoneOnPublicOnes()
    {
        using var document = JsonDocument.Parse(await shared.Client.GetStringAsync("/openapi/v1.json", Token));
        var root = document.RootElement;

        Assert.DoesNotMatch("/$", root.GetProperty("servers")[0].GetProperty("url").GetString());
        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("X-Admin-Key", schemes.GetProperty("adminKey").GetProperty("name").GetString());
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());

        var paths = root.GetProperty("paths");
        Assert.Equal("adminKey", FirstScheme(paths, "/admin/stats", "get"));
        Assert.Equal("decisionKey", FirstScheme(paths, "/v1/check", "post"));
        Assert.Equal("adminKey", FirstScheme(paths, "/ws/global", "get"));
        Assert.Equal("adminKey", FirstScheme(paths, "/events", "get"));
        foreach (var (path, method) in new[] { ("/api/data", "get"), ("/health", "get"), ("/metrics", "get"), ("/dashboard", "get"), ("/rate-limit/status", "get") })
        {
            Assert.Equal(0, paths.GetProperty(path).GetProperty(method).GetProperty("security").GetArrayLength());
        }

        // Every operation has an operationId, a success response, and the admin stats say what they return.
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                Assert.True(operation.Value.TryGetProperty("operationId", out _), $"{operation.Name} {path.Name} has no operationId");
                Assert.Contains(operation.Value.GetProperty("responses").EnumerateObject(), r => r.Name is "101" || r.Name.StartsWith('2'));
            }
        }

        Assert.True(paths.GetProperty("/admin/stats").GetProperty("get").GetProperty("responses").GetProperty("200").TryGetProperty("content", out _));
    }

    private static string? FirstScheme(JsonElement paths, string path, string method) =>
        paths.GetProperty(path).GetProperty(method).GetProperty("security")[0].EnumerateObject().First().Name;

    private static string Location(JsonElement problem) =>
        problem.TryGetProperty("location", out var location) && location.GetArrayLength() > 0 && location[0].TryGetProperty("pointer", out var pointer)
            ? pointer.GetString() ?? "?"
            : "?";

    /// <summary>node and the pinned redocly CLI, installed on first use; <see langword="null"/> when the test was skipped.</summary>
    private static async Task<(string Node, string Cli)?> InstallLinterAsync()
    {
        var node = RequiredService.FindOnPath("node");
        var npm = RequiredService.FindOnPath("npm");
        if (node is null || npm is null)
        {
            RequiredService.Unavailable("node and npm are not installed (./test.sh installs them: apt-get install nodejs npm)");
            return null;
        }

        var source = Path.Combine(DeploymentTests.RepositoryRoot(), "eng", "openapi-lint");
        var lockFile = Path.Combine(source, "package-lock.json");
        var hash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(lockFile, Token)))[..16];
        var cacheRoot = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var folder = Path.Combine(cacheRoot, "floodgate", "openapi-lint-" + hash);
        var cli = Path.Combine(folder, "node_modules", "@redocly", "cli", "bin", "cli.js");
        if (!File.Exists(cli))
        {
            Directory.CreateDirectory(folder);
            File.Copy(Path.Combine(source, "package.json"), Path.Combine(folder, "package.json"), overwrite: true);
            File.Copy(lockFile, Path.Combine(folder, "package-lock.json"), overwrite: true);
            var (exitCode, output, error) = await ExternalTool.RunAsync(npm, ["ci", "--no-audit", "--no-fund"], folder);
            if (exitCode != 0 || !File.Exists(cli))
            {
                RequiredService.Unavailable($"npm ci of the pinned @redocly/cli failed (exit {exitCode}): {error}{output}");
                return null;
            }
        }

        return (node, cli);
    }
}
