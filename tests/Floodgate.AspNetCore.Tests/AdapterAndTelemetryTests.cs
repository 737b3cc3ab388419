using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;

namespace Floodgate.AspNetCore.Tests;

public sealed class AdapterAndTelemetryTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PartitionedRateLimiterAdapter_PlugsIntoUseRateLimiter()
    {
        await using var host = await TestHost.StartWithAdapterAsync(new() { ["Floodgate:DefaultLimit"] = "2/minute" });
        var client = host.Client();

        var first = await client.GetAsync("/api/data", Token);
        var second = await client.GetAsync("/api/data", Token);
        var third = await client.GetAsync("/api/data", Token);
        var other = await host.Client("127.0.0.2").GetAsync("/api/data", Token);
        var health = await client.GetAsync("/health", Token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.InRange(int.Parse(ResponseTests.Header(third, "Retry-After")!, System.Globalization.CultureInfo.InvariantCulture), 1, 120);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Metrics_CountDecisionsByPolicyLayerAndOutcome_AndBans()
    {
        var measurements = new ConcurrentBag<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Floodgate")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var dict = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                dict[tag.Key] = tag.Value;
            }

            measurements.Add((instrument.Name, value, dict));
        });
        listener.Start();

        // A policy name no other test uses: the listener hears every host in this process.
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:Rules:0:Name"] = "metrics-probe",
            ["Floodgate:Rules:0:Path"] = "/api/data",
            ["Floodgate:Rules:0:Limit"] = "1/minute",
            ["Floodgate:Penalty:Violations"] = "2",
        });
        var client = host.Client("127.0.0.44");
        for (var i = 0; i < 4; i++)
        {
            await client.GetAsync("/api/data", Token);
        }

        var mine = measurements.Where(m => m.Instrument == "floodgate.decisions" && Equals(m.Tags["floodgate.policy"], "metrics-probe")).ToList();
        Assert.Contains(mine, m => Equals(m.Tags["floodgate.outcome"], "allowed") && Equals(m.Tags["floodgate.layer"], "client"));
        Assert.Equal(2, mine.Count(m => Equals(m.Tags["floodgate.outcome"], "denied")));
        Assert.Contains(mine, m => Equals(m.Tags["floodgate.outcome"], "banned"));
        Assert.Contains(measurements, m => m.Instrument == "floodgate.bans");
    }

    [Fact]
    public async Task Traces_SpanPerCheck_WithPolicyAndOutcome()
    {
        var activities = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Floodgate",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await TestHost.StartAsync(new() { ["Floodgate:DefaultLimit"] = "5/minute" });

        await host.Client("127.0.0.45").GetAsync("/api/data", Token);

        Assert.Contains(activities, a => a.OperationName == "floodgate.check" && Equals(a.GetTagItem("floodgate.outcome"), "allowed") && Equals(a.GetTagItem("floodgate.client"), "ip:127.0.0.45"));
    }
}
