using System.Globalization;
using Floodgate.AspNetCore.Replay;
using Floodgate.Testing.Traces;

namespace Floodgate.AspNetCore.Tests.Replay;

/// <summary>
/// The sliding window counter (the default) against the exact sliding window log, measured on the replay engine: a
/// trace is replayed under the log, and its decisions are then the "actual" ones a replay under the counter is compared
/// with, so the report's changed decisions are the requests the two algorithms decide differently. Penalties are off:
/// this measures the algorithms alone.
/// </summary>
/// <remarks>
/// <c>FLOODGATE_ACCURACY_SOURCES</c> sets the heavy-tailed trace's number of sources (default 30,000, about 1.7 million
/// requests); docs/replay.md publishes the figures for 300,000. <c>FLOODGATE_ACCURACY_REPORT</c> names a file the
/// figures are appended to (test output is shown only for failures).
/// </remarks>
public sealed class ReplayAccuracyTests
{
    private const long Minute = 60_000_000;
    private static readonly RateLimit Limit = RateLimit.Parse("60/minute");

    [Fact]
    public void SlidingWindowCounter_HeavyTailedTrace_DiffersFromTheExactLogAlmostOnlyForSourcesAtTheLimit()
    {
        // Arrange: Cloudflare's shape: many sources, heavy-tailed rates, about 2 % over the limit.
        var sources = int.TryParse(Environment.GetEnvironmentVariable("FLOODGATE_ACCURACY_SOURCES"), CultureInfo.InvariantCulture, out var n) ? n : 30_000;
        var trace = HeavyTailedTrace.Generate(sources, duration: 5 * Minute, Limit, seed: 0xC10D_F1A2E);

        // Act
        var result = Compare(trace);

        // Assert
        Report(result, trace);
        Assert.Equal(trace.Count, result.Report.Total.Requests);
        // Sources under half the limit never come near either algorithm's threshold; sources nearer it sometimes reach it
        // (Poisson bursts), and sources over it live at it. Regression guards, with room above what was measured.
        Assert.True(result.Share(0) < 0.0001, $"under half the limit: {result.Share(0):P4}");
        Assert.True(result.Share(1) < 0.03, $"at 0.5–1× the limit: {result.Share(1):P4}");
        Assert.True(result.Report.Total.ChangedShare < 0.10, $"all: {result.Report.Total.ChangedShare:P4}");
    }

    [Fact]
    public void SlidingWindowCounter_AdversarialTrace_OnTheEngine_DiffersExactlyAsTheAlgorithmsAlone()
    {
        // Arrange: the trace of SlidingWindowAccuracyTests, where a third of the clients live at or over the limit.
        var trace = AdversarialTrace.Generate(2_000, duration: 10 * Minute, Limit, seed: 0x5EED_F100D6A7E);

        // Act
        var result = Compare(trace);

        // Assert: the figure the algorithms give when compared directly (docs/performance.md), to the request.
        Report(result, trace);
        Assert.Equal(1_389_404, result.Report.Total.Requests);
        Assert.Equal(245_882, result.Report.Total.Changed);
    }

    /// <summary>Replays <paramref name="trace"/> under the log, then under the counter against the log's decisions.</summary>
    private static Comparison Compare(GeneratedTrace trace)
    {
        var names = new string[trace.KindOf.Length];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = "s" + i.ToString(CultureInfo.InvariantCulture);
        }

        var log = ReplayEngine.Create(Options(RateLimitAlgorithm.SlidingWindowLog)).Start();
        var byLog = new bool[trace.Count];
        for (var i = 0; i < trace.Count; i++)
        {
            byLog[i] = log.Add(new TraceRecord(trace.Times[i], names[trace.Clients[i]], "GET", "/", Admitted: true));
        }

        var counter = ReplayEngine.Create(Options(RateLimitAlgorithm.SlidingWindowCounter)).Start();
        var byKind = new (long Requests, long Differ)[trace.KindNames.Count];
        for (var i = 0; i < trace.Count; i++)
        {
            var kind = trace.KindOf[trace.Clients[i]];
            byKind[kind].Requests++;
            if (counter.Add(new TraceRecord(trace.Times[i], names[trace.Clients[i]], "GET", "/", byLog[i])) != byLog[i])
            {
                byKind[kind].Differ++;
            }
        }

        return new Comparison(counter.GetReport(top: 5), byKind);
    }

    private static FloodgateOptions Options(RateLimitAlgorithm algorithm) =>
        new() { DefaultLimit = Limit.ToString(), Algorithm = algorithm, Penalty = { Enabled = false } };

    private static void Report(Comparison result, GeneratedTrace trace)
    {
        var total = result.Report.Total;
        var lines = new List<string>
        {
            $"sliding window counter vs exact log on the replay engine: {trace.Description}",
            $"  all: {total.Changed:N0} of {total.Requests:N0} decisions differ ({total.ChangedShare:P4}); " +
            $"{total.NewlyDenied:N0} denied only by the counter, {total.NewlyAdmitted:N0} admitted only by the counter; admitted {total.Admitted:N0} (counter) vs {total.ActuallyAdmitted:N0} (log)",
        };
        for (var kind = 0; kind < trace.KindNames.Count; kind++)
        {
            lines.Add($"  {trace.KindNames[kind]}: {result.ByKind[kind].Differ:N0} of {result.ByKind[kind].Requests:N0} differ ({result.Share(kind):P4})");
        }

        foreach (var line in lines)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(line);
        }

        if (Environment.GetEnvironmentVariable("FLOODGATE_ACCURACY_REPORT") is { Length: > 0 } file)
        {
            File.AppendAllLines(file, lines);
        }
    }

    private sealed record Comparison(ReplayReport Report, (long Requests, long Differ)[] ByKind)
    {
        public double Share(int kind) => ByKind[kind].Requests == 0 ? 0 : (double)ByKind[kind].Differ / ByKind[kind].Requests;
    }
}
