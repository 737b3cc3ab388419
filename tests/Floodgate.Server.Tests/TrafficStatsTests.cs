using Floodgate.Server.Stats;

namespace Floodgate.Server.Tests;

/// <summary>The per-second pipeline: each second is what the counters added since the last, the totals are every second's sum.</summary>
public sealed class TrafficStatsTests
{
    [Fact]
    public void EndSecond_GivesWhatTheSecondAdded_AndTheTotalsKeepEverySecond()
    {
        var stats = new TrafficStats(TimeProvider.System);
        stats.Record("GET /a", "c1", allowed: true);
        stats.Record("GET /a", "c1", allowed: false);
        stats.Record("GET /b", "c2", allowed: true);

        var first = stats.EndSecond(100);
        stats.Record("GET /b", "c2", allowed: false);
        var second = stats.EndSecond(101);
        var empty = stats.EndSecond(102);

        Assert.Equal((100, 2, 1), (first.Second, first.Allowed, first.Denied));
        Assert.Equal([new TrafficRow("GET /a", 1, 1), new TrafficRow("GET /b", 1, 0)], first.Endpoints);
        Assert.Equal([new TrafficRow("c1", 1, 1), new TrafficRow("c2", 1, 0)], first.Clients);
        Assert.Equal((0, 1), (second.Allowed, second.Denied));
        Assert.Equal([new TrafficRow("GET /b", 0, 1)], second.Endpoints);
        Assert.Equal([new TrafficRow("c2", 0, 1)], second.Clients);
        Assert.Equal((0, 0, 0, 0), (empty.Allowed, empty.Denied, empty.Endpoints.Count, empty.Clients.Count));
        Assert.Equal((2, 2), (stats.Allowed, stats.Denied));
        Assert.Equal([new TrafficRow("GET /a", 1, 1), new TrafficRow("GET /b", 1, 1)], stats.Endpoints());
        Assert.Equal(new TrafficRow("c2", 1, 1), stats.Client("c2"));
    }

    [Fact]
    public void Clients_PastTheCap_CountInTheTotalsOnly_UntilTheSecondEndsAndTheQuietestHalfIsForgotten()
    {
        var stats = new TrafficStats(TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            stats.Record("GET /a", "busy", allowed: true);
        }

        for (var i = 0; i < TrafficStats.MaxClients + 10; i++)
        {
            stats.Record("GET /a", "c" + i, allowed: true);
        }

        var beforeTrim = stats.Client("c" + (TrafficStats.MaxClients + 5));
        stats.EndSecond(1);
        stats.Record("GET /a", "late", allowed: true);

        Assert.Null(beforeTrim);
        Assert.Equal(TrafficStats.MaxClients + 14, stats.Allowed);
        Assert.Equal(new TrafficRow("busy", 3, 0), stats.Client("busy"));
        Assert.Equal(new TrafficRow("late", 1, 0), stats.Client("late"));
        Assert.DoesNotContain(stats.TopClients(20), r => r.Name == TrafficTable.Other);
    }
}
