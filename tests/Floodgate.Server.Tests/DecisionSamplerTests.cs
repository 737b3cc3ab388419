using System.Net;
using Floodgate.AspNetCore;
using Floodgate.AspNetCore.Identification;
using Floodgate.Penalties;
using Floodgate.Server.Live;
using Floodgate.Server.Stats;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Server.Tests;

/// <summary>The event budgets: a second's budget opens a tenth every 100 ms, so that a flood's events spread over the second.</summary>
public sealed class DecisionSamplerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnderAFlood_ATenthOfTheDeniedBudgetOpensEvery100Ms()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var options = Options.Create(new LiveOptions { DeniedEventsPerSecond = 100, AllowedEventsPerSecond = 10 });
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var bans = new InMemoryPenaltyBox(timeProvider: time);
        using var hub = new LiveHub(options, time, bans, services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        await hub.StartAsync(Token);
        using var sampler = new DecisionSampler(hub, options, time, new TrafficStats(time));
        using var listener = hub.Subscribe(client: null)!;

        var counts = new List<int>();
        for (var tenth = 0; tenth < 3; tenth++)
        {
            Flood(sampler, 500);
            counts.Add(await DeliveredAsync(hub, listener));
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        await hub.StopAsync(Token);
        Assert.Equal([10, 10, 10], counts);
    }

    private static void Flood(DecisionSampler sampler, int requests)
    {
        var client = new ClientIdentity("ip:203.0.113.9", ClientKind.Ip, IPAddress.Parse("203.0.113.9"), "203.0.113.9", null, false);
        var denied = new RateLimitDecision(false, 10, 0, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(6), RateLimitDenialReason.LimitExceeded, null);
        var feature = new Denied(client, denied);
        for (var i = 0; i < requests; i++)
        {
            sampler.Offer(feature, "GET /api/data", 429, allowed: false);
        }
    }

    /// <summary>The denied events the listener received up to a marker published after them (the hub keeps order).</summary>
    private static async Task<int> DeliveredAsync(LiveHub hub, LiveSubscription listener)
    {
        hub.Publish(new UnbannedEvent(hub.Now, "marker"));
        var denied = 0;
        while (await listener.WaitAsync(TimeSpan.FromSeconds(10), Token))
        {
            while (listener.TryNext() is { } message)
            {
                if (message.Type == "unbanned")
                {
                    return denied;
                }

                denied += message.Type == "denied" ? 1 : 0;
            }
        }

        throw new TimeoutException("the marker never came");
    }

    private sealed class Denied(ClientIdentity client, RateLimitDecision decision) : IRateLimitFeature
    {
        public string Policy => "data";

        public ClientIdentity Client => client;

        public RateLimitDecision Decision => decision;

        public string? Tier => null;
    }
}
