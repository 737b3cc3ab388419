using System.Text.Json;

namespace Floodgate.Load.Tests;

public sealed class OutputTests
{
    [Fact]
    public async Task Json_IsTheOnlyOutputAndParses()
    {
        await using var server = await RecordingServer.StartAsync();

        var (status, output, error) = await Run.CommandAsync("--url", server.BaseUrl + "/ok", "--rate", "100", "--duration", "1s", "--json");

        Assert.Equal(LoadCommand.Ok, status);
        Assert.Equal("", error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(100, root.GetProperty("sent").GetInt64());
        Assert.Equal(
            root.GetProperty("sent").GetInt64(),
            root.GetProperty("allowed").GetInt64() + root.GetProperty("throttled").GetInt64() + root.GetProperty("errors").GetInt64());
        Assert.Equal(33, root.GetProperty("throttledByStatus").GetProperty("429").GetInt64());
        Assert.Equal("open", root.GetProperty("model").GetString());
        Assert.Equal(server.BaseUrl + "/ok", root.GetProperty("target").GetString());
        var latency = root.GetProperty("latency");
        Assert.True(latency.GetProperty("p50").GetDouble() <= latency.GetProperty("p99").GetDouble());
        Assert.True(root.GetProperty("seconds").GetArrayLength() >= 1);
        var histogram = root.GetProperty("latencyHistogram").EnumerateArray().ToArray();
        Assert.Equal(100, histogram.Sum(b => b.GetProperty("count").GetInt64()));
        Assert.Equal(histogram.Select(b => b.GetProperty("micros").GetInt64()).Order(), histogram.Select(b => b.GetProperty("micros").GetInt64()));
    }

    [Fact]
    public async Task Report_IsASelfContainedHtmlFileWithCharts()
    {
        await using var server = await RecordingServer.StartAsync();
        var path = Path.Combine(Directory.CreateTempSubdirectory("floodgate-load-").FullName, "report.html");

        var (status, output, _) = await Run.CommandAsync("--url", server.BaseUrl + "/ok", "--rate", "100", "--duration", "1s", "--report", path);

        Assert.Equal(LoadCommand.Ok, status);
        var html = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Equal(2, html.Split("<svg ").Length - 1);
        Assert.Contains("<polyline", html, StringComparison.Ordinal);
        Assert.Contains("allowed (2xx)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"http", html, StringComparison.Ordinal);

        // The console run ends with the table and points at the report.
        Assert.Contains("allowed (2xx)", output, StringComparison.Ordinal);
        Assert.Contains("latency p99.9", output, StringComparison.Ordinal);
        Assert.Contains("report: ", output, StringComparison.Ordinal);
    }
}
