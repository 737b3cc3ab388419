using Floodgate.AspNetCore;
using Floodgate.AspNetCore.Identification;
using Floodgate.Server.Recording;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Server.Tests;

/// <summary>The record of recent requests: compact, bounded whatever the clients, forgetting what left its window.</summary>
public sealed class RecordingTests : IDisposable
{
    private static readonly RateLimit Rule = RateLimit.Parse("100/minute");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch.AddDays(20_000));
    private readonly ServiceProvider _services;

    public RecordingTests()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddSingleton<TimeProvider>(_time);
        _services = services.BuildServiceProvider();
    }

    [Fact]
    public void Recording_UnderAMillionDistinctClients_StaysWithinItsCap()
    {
        var recorder = Recorder(new RecordingOptions { MaxRequests = 100_000 });

        for (var i = 0; i < 1_000_000; i++)
        {
            recorder.Append(_time.GetUtcNow(), Feature("ip:10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255), allowed: true), "GET /api/data", "/api/data", letThrough: false);
            if (i % 50_000 == 0)
            {
                recorder.Drain();
            }
        }

        recorder.Drain();

        // Whole blocks are forgotten: the cap rounded up to a block, every client string held once in the block that has it.
        var cap = ((100_000 / RecordingBlock.Size) + 1) * RecordingBlock.Size;
        Assert.Equal(0, recorder.Dropped);
        Assert.InRange(recorder.Count, 100_000 - RecordingBlock.Size, cap);
        Assert.InRange(recorder.Strings, recorder.Count, recorder.Count + (3 * (cap / RecordingBlock.Size)));
        Assert.InRange(recorder.Bytes / recorder.Count, RecordingBlock.EntrySize, 128);
    }

    [Fact]
    public void Recording_OfFourThousandClients_TakesAtMost64BytesARequest()
    {
        var recorder = Recorder(new RecordingOptions { MaxRequests = 200_000 });

        for (var i = 0; i < 500_000; i++)
        {
            recorder.Append(_time.GetUtcNow(), Feature("ip:10.0." + ((i >> 8) & 15) + "." + (i & 255), allowed: i % 10 != 0), "GET /api/data", "/api/data", letThrough: false);
            if (i % 50_000 == 0)
            {
                recorder.Drain();
            }
        }

        recorder.Drain();

        Assert.Equal(24, RecordingBlock.EntrySize);
        Assert.InRange(recorder.Bytes / recorder.Count, RecordingBlock.EntrySize, 64);
    }

    [Fact]
    public void Read_GivesTheRequestsOfTheRange_WithTheirOutcome_AndTheWindowForgetsOldBlocks()
    {
        var recorder = Recorder(new RecordingOptions { Window = TimeSpan.FromMinutes(15) });
        var start = _time.GetUtcNow();
        recorder.Append(_time.GetUtcNow(), Feature("a", allowed: true), "GET /api/data", "/api/data", letThrough: false);
        _time.Advance(TimeSpan.FromSeconds(1));
        recorder.Append(_time.GetUtcNow(), Feature("b", allowed: false, policy: "heavy", tier: "free"), "POST /api/submit", "/api/submit", letThrough: false);
        recorder.Append(_time.GetUtcNow(), Feature("b", allowed: false, policy: "heavy", tier: "free"), "POST /api/submit", "/api/submit", letThrough: true);
        recorder.Drain();

        var all = recorder.Read(start, start.AddMinutes(1));
        var later = recorder.Read(start.AddSeconds(1), start.AddMinutes(1));

        Assert.Equal(
            [
                new RecordedRequest(start, "a", null, "GET /api/data", "/api/data", "p", RateLimitLayer.Client, RecordedOutcome.Allowed),
                new RecordedRequest(start.AddSeconds(1), "b", "free", "POST /api/submit", "/api/submit", "heavy", RateLimitLayer.Client, RecordedOutcome.Denied),
                new RecordedRequest(start.AddSeconds(1), "b", "free", "POST /api/submit", "/api/submit", "heavy", RateLimitLayer.Client, RecordedOutcome.LetThrough),
            ],
            all);
        Assert.Equal(2, later.Count);

        // A whole block older than the window is forgotten when the next requests are written: the first (full) block
        // goes, the second keeps its last 3 requests beside the new one, out of the window's reach.
        for (var i = 0; i < RecordingBlock.Size; i++)
        {
            recorder.Append(_time.GetUtcNow(), Feature("c", allowed: true), "GET /api/data", "/api/data", letThrough: false);
        }

        recorder.Drain();
        _time.Advance(TimeSpan.FromMinutes(16));
        recorder.Append(_time.GetUtcNow(), Feature("d", allowed: true), "GET /api/data", "/api/data", letThrough: false);
        recorder.Drain();
        Assert.Equal(4, recorder.Count);
        Assert.Equal("d", Assert.Single(recorder.Read(_time.GetUtcNow().AddMinutes(-15), _time.GetUtcNow().AddSeconds(1))).Client);
    }

    [Fact]
    public void Disabled_RecordsNothing()
    {
        var recorder = Recorder(new RecordingOptions { Enabled = false });
        recorder.Append(_time.GetUtcNow(), Feature("a", allowed: true), "GET /api/data", "/api/data", letThrough: false);
        recorder.Drain();
        Assert.Equal(0, recorder.Count);
    }

    [Fact]
    public async Task InvalidRecordingSetting_StopsStartUp_NamingTheKey()
    {
        var (exitCode, error, _) = await ServerProcess.RunToExitAsync(new() { ["Floodgate:Recording:MaxRequests"] = "10" }, TimeSpan.FromSeconds(30));
        Assert.Equal(1, exitCode);
        Assert.Contains($"Floodgate:Recording:MaxRequests must be between {RecordingBlock.Size} and 100000000 (was 10)", error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _services.Dispose();
    }

    private RequestRecorder Recorder(RecordingOptions options) => new(
        Options.Create(options),
        _time,
        _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

    private static TestFeature Feature(string client, bool allowed, string policy = "p", string? tier = null) => new(
        new ClientIdentity(client, ClientKind.Ip, null, client, null, false),
        allowed
            ? new RateLimitDecision(true, Rule.Count, 1, TimeSpan.Zero, TimeSpan.Zero, RateLimitDenialReason.None, Rule, RateLimitLayer.Client)
            : new RateLimitDecision(false, Rule.Count, 0, TimeSpan.Zero, TimeSpan.FromSeconds(1), RateLimitDenialReason.LimitExceeded, Rule, RateLimitLayer.Client),
        policy,
        tier);

    private sealed record TestFeature(ClientIdentity Client, RateLimitDecision Decision, string Policy, string? Tier) : IRateLimitFeature;
}
