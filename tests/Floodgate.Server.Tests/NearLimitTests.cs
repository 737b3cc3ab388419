using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Floodgate.AspNetCore;
using Floodgate.AspNetCore.Identification;
using Floodgate.Penalties;
using Floodgate.Server.Live;
using Floodgate.Server.NearLimit;
using Floodgate.Server.Stats;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Server.Tests;

/// <summary>Envoy's near_limit: a client passing the ratio of a limit is counted and told once per window.</summary>
public sealed class NearLimitTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NearLimitEvent_ArrivesOncePerWindow_WhenTheClientPassesTheRatio()
    {
        var client = SharedServer.NewClient();
        var status = await shared.SendFrom(client, HttpMethod.Get, "/rate-limit/status");
        var id = (await status.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("client").GetString()!;
        var policy = "near-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await shared.Client.PostAsJsonAsync("/admin/configs", new { id = policy, path = "/api/" + policy, limit = 10, window = "day" }, Token)).StatusCode);
        await using var events = await LiveListener.SseAsync(shared.Client, "/events/" + Uri.EscapeDataString(id));

        // 10 a day at 0.8: the 8th request comes near; the 9th, 10th and the denied 11th and 12th are in the same window.
        for (var i = 0; i < 12; i++)
        {
            await shared.SendFrom(client, HttpMethod.Get, "/api/" + policy);
        }

        await shared.SendFrom(client, HttpMethod.Get, "/api/data");
        var received = await events.UntilAsync(e => LiveListener.Is(e, "allowed") && e.GetProperty("endpoint").GetString() == "GET /api/data");
        var mine = received.Where(e => LiveListener.Is(e, "allowed") || LiveListener.Is(e, "denied") || LiveListener.Is(e, "near_limit")).Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal([.. Enumerable.Repeat("allowed", 8), "near_limit", "allowed", "allowed", "denied", "denied", "allowed"], mine);
        var near = received.Single(e => LiveListener.Is(e, "near_limit"));
        Assert.Equal(id, near.GetProperty("client").GetString());
        Assert.Equal(policy, near.GetProperty("policy").GetString());
        Assert.Equal(10, near.GetProperty("limit").GetInt64());
        Assert.Equal(8, near.GetProperty("used").GetInt64());
        Assert.Equal(86_400, near.GetProperty("window_seconds").GetDouble());

        var metrics = await shared.Client.GetStringAsync("/metrics", Token);
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("floodgate_near_limit_total{", StringComparison.Ordinal) && line.Contains($"floodgate_policy=\"{policy}\"", StringComparison.Ordinal) && line.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NoContent, (await shared.Client.DeleteAsync("/admin/configs/" + policy, Token)).StatusCode);
    }

    [Fact]
    public void Tracker_ReportsOncePerWindow_AndAgainInTheNext()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        using var services = Services(time, new NearLimitOptions());
        var tracker = services.GetRequiredService<NearLimitTracker>();
        var rule = RateLimit.Parse("10/minute FixedWindow");

        tracker.Observe(Feature("a", rule, remaining: 3), "GET /x");
        tracker.Observe(Feature("a", rule, remaining: 2), "GET /x");
        tracker.Observe(Feature("a", rule, remaining: 1), "GET /x");
        tracker.Observe(Feature("a", rule, remaining: 0), "GET /x");
        var inFirstWindow = tracker.Tracked;
        time.Advance(TimeSpan.FromMinutes(1));
        tracker.Observe(Feature("a", rule, remaining: 1), "GET /x");
        tracker.Observe(Feature("b", rule, remaining: 2), "GET /x");
        tracker.Sweep();

        Assert.Equal(1, inFirstWindow);
        Assert.Equal(3, services.GetRequiredService<Reports>().Count);
        Assert.Equal(2, tracker.Tracked);
        time.Advance(TimeSpan.FromMinutes(1));
        tracker.Sweep();
        Assert.Equal(0, tracker.Tracked);
    }

    [Fact]
    public void Tracker_AtItsCap_ReportsNoNewClient_UntilTheSweepForgetsEndedWindows()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        using var services = Services(time, new NearLimitOptions { MaxTracked = 2 });
        var tracker = services.GetRequiredService<NearLimitTracker>();
        var rule = RateLimit.Parse("10/second");

        tracker.Observe(Feature("a", rule, remaining: 0), "GET /x");
        tracker.Observe(Feature("b", rule, remaining: 0), "GET /x");
        tracker.Observe(Feature("c", rule, remaining: 0), "GET /x");
        time.Advance(TimeSpan.FromSeconds(1));
        tracker.Sweep();
        tracker.Observe(Feature("c", rule, remaining: 0), "GET /x");

        Assert.Equal(3, services.GetRequiredService<Reports>().Count);
        Assert.Equal(1, tracker.Tracked);
    }

    [Fact]
    public async Task InvalidNearLimitRatio_StopsStartUp_NamingTheKey()
    {
        var (exitCode, error, _) = await ServerProcess.RunToExitAsync(new() { ["Floodgate:NearLimit:Ratio"] = "1.5" }, TimeSpan.FromSeconds(30));
        Assert.Equal(1, exitCode);
        Assert.Contains("Floodgate:NearLimit:Ratio must be 0 (off) or between 0.01 and 1 (was 1.5)", error, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(FakeTimeProvider time, NearLimitOptions options)
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(Options.Create(new LiveOptions()));
        services.AddSingleton<IPenaltyBox>(sp => new InMemoryPenaltyBox(new PenaltyOptions(), time));
        services.AddSingleton<LiveHub>();
        services.AddSingleton<TrafficStats>();
        services.AddSingleton<NearLimitTracker>();
        services.AddSingleton<Reports>();
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<Reports>().Listen(provider.GetRequiredService<IMeterFactory>());
        return provider;
    }

    private static TestFeature Feature(string client, RateLimit rule, long remaining) =>
        new(new ClientIdentity(client, ClientKind.ApiKey, null, client, null, false), new RateLimitDecision(true, rule.Count, remaining, TimeSpan.Zero, TimeSpan.Zero, RateLimitDenialReason.None, rule, RateLimitLayer.Client));

    private sealed record TestFeature(ClientIdentity Client, RateLimitDecision Decision) : IRateLimitFeature
    {
        public string Policy => "p";

        public string? Tier => null;
    }

    /// <summary>Sums <c>floodgate.near_limit</c> as a metrics listener hears it.</summary>
    private sealed class Reports : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Listen(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "floodgate.near_limit")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public void Dispose() => _listener.Dispose();
    }
}
