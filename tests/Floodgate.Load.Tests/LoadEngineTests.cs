using Floodgate.Load.Engine;

namespace Floodgate.Load.Tests;

/// <summary>The engine against a real Kestrel server that answers 429 to every third request.</summary>
public sealed class LoadEngineTests
{
    [Fact]
    public async Task OpenModel_TwoHundredPerSecondForTwoSeconds_SendsTheScheduleAndCountsAddUp()
    {
        await using var server = await RecordingServer.StartAsync();

        var result = await Run.EngineAsync("--url", server.BaseUrl + "/ok", "--rate", "200", "--duration", "2s");

        // The open model sends exactly rate × duration requests, however the server keeps up.
        Assert.Equal(400, result.Sent);
        Assert.Equal(result.Sent, result.Allowed + result.Throttled + result.Errors);
        Assert.Equal(0, result.Errors);
        Assert.Equal(133, result.Throttled); // requests 3, 6, ..., 399
        Assert.Equal(267, result.Allowed);
        Assert.Equal(new Dictionary<string, long> { ["429"] = 133 }, result.ThrottledByStatus);
        Assert.Equal(400, server.Requests.Count);

        // The achieved rate is completed requests over the elapsed time (how fast a run goes is not asserted here).
        Assert.Equal("open", result.Model);
        Assert.Equal(result.Sent / result.ElapsedSeconds, result.AchievedRate, 9);
        AssertOrdered(result.Latency);
        Assert.Equal(400, result.Latency.Count);
        Assert.Equal(result.Sent, result.Seconds.Sum(s => s.Allowed + s.Throttled + s.Errors));
    }

    [Fact]
    public async Task ClosedModel_WithARequestCap_SendsExactlyThatManyBackToBack()
    {
        await using var server = await RecordingServer.StartAsync();

        var result = await Run.EngineAsync("--url", server.BaseUrl + "/ok", "--concurrency", "4", "--duration", "20s", "--requests", "300");

        Assert.Equal("closed", result.Model);
        Assert.Equal(4, result.Concurrency);
        Assert.Null(result.RequestedRate);
        Assert.Equal(300, result.Sent);
        Assert.Equal(result.Sent, result.Allowed + result.Throttled + result.Errors);
        Assert.Equal(100, result.Throttled);
        Assert.Equal(300, server.Requests.Count);
        AssertOrdered(result.Latency);
    }

    [Fact]
    public async Task ClosedModel_RunsForItsDuration()
    {
        await using var server = await RecordingServer.StartAsync();

        var result = await Run.EngineAsync("--url", server.BaseUrl + "/ok", "--concurrency", "2", "--duration", "1s");

        Assert.True(result.Sent > 0, "the workers sent nothing");
        Assert.Equal(result.Sent, result.Allowed + result.Throttled + result.Errors);
        Assert.Equal(result.Sent, server.Requests.Count);
    }

    [Fact]
    public async Task NothingListening_CountsConnectionRefusedAsErrors()
    {
        int port;
        await using (var server = await RecordingServer.StartAsync())
        {
            port = new Uri(server.BaseUrl).Port;
        }

        var result = await Run.EngineAsync("--url", $"http://127.0.0.1:{port}/", "--rate", "50", "--duration", "500ms");

        Assert.Equal(25, result.Sent);
        Assert.Equal(25, result.Errors);
        Assert.Equal(new Dictionary<string, long> { ["connection refused"] = 25 }, result.ErrorsByKind);
    }

    [Fact]
    public async Task Stop_EndsTheRunEarlyAndStillReports()
    {
        await using var server = await RecordingServer.StartAsync();
        var plan = Floodgate.Load.Scenarios.LoadPlan.Create(
            Floodgate.Load.Options.LoadOptionsParser.Parse(["--url", server.BaseUrl + "/ok", "--rate", "100", "--duration", "60s"]));
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var result = await new LoadEngine(plan, TimeProvider.System).RunAsync(stop.Token);

        Assert.True(result.Stopped);
        Assert.InRange(result.Sent, 1, 200);
        Assert.Equal(result.Sent, result.Allowed + result.Throttled + result.Errors);
    }

    private static void AssertOrdered(LatencySummary latency)
    {
        Assert.True(latency.P50 <= latency.P90, $"p50 {latency.P50} > p90 {latency.P90}");
        Assert.True(latency.P90 <= latency.P99, $"p90 {latency.P90} > p99 {latency.P99}");
        Assert.True(latency.P99 <= latency.P999, $"p99 {latency.P99} > p99.9 {latency.P999}");
        Assert.True(latency.P999 <= latency.Max, $"p99.9 {latency.P999} > max {latency.Max}");
        Assert.True(latency.Max > 0);
    }
}
