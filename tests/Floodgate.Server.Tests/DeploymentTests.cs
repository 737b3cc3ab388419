using System.Diagnostics;
using Floodgate.Testing;

namespace Floodgate.Server.Tests;

/// <summary>The compose files in deploy/ validate with docker-compose (parsing needs no Docker engine).</summary>
public sealed class DeploymentTests
{
    [Theory]
    [InlineData("docker-compose.yml")]
    [InlineData("docker-compose.sentinel.yml")]
    public async Task ComposeFile_Validates(string file)
    {
        var compose = RequiredService.FindOnPath("docker-compose");
        if (compose is null)
        {
            RequiredService.Unavailable("docker-compose is not installed (./test.sh installs it: apt-get install docker-compose)");
            return;
        }

        var start = new ProcessStartInfo(compose) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-f", Path.Combine(RepositoryRoot(), "deploy", file), "config", "-q" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, $"docker-compose config failed for {file}: {await errors}");
    }

    [Fact]
    public void Dockerfile_PublishesTheServer_AndRunsAsNonRoot()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "Dockerfile"));

        Assert.Contains("dotnet publish src/Floodgate.Server/Floodgate.Server.csproj", dockerfile, StringComparison.Ordinal);
        Assert.Contains("USER app", dockerfile, StringComparison.Ordinal);
        Assert.Contains("EXPOSE 8000", dockerfile, StringComparison.Ordinal);
        Assert.Equal(2, dockerfile.Split('\n').Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Floodgate.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Floodgate.slnx not found.");
    }
}
