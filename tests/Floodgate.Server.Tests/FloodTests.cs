using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Floodgate.Server.Tests;

/// <summary>
/// The service under a flood of made-up identities and paths, through the real process: every request answered,
/// nothing above 499, and what the flood leaves behind (statistics, history, memory) bounded.
/// </summary>
public sealed class FloodTests
{
    private const int Identities = 200_000;
    private const int InventedPaths = 100_000;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FloodOfIdentitiesAndInventedPaths_DropsNothing_And5xxNothing_AndStaysBounded()
    {
        await using var server = await ServerProcess.StartAsync();
        var before = await MemoryAsync(server);

        // 200,000 identities (a distinct X-API-Key each) from 64 machines, then 100,000 invented paths and methods.
        var identities = await Flood.RunAsync(server, machines: 64, connectionsPerMachine: 2, Identities, i => Flood.Request(HttpMethod.Get, "/api/data", "id-" + i.ToString(CultureInfo.InvariantCulture)));
        var paths = await Flood.RunAsync(server, machines: 64, connectionsPerMachine: 2, InventedPaths, i => (i % 2) switch
        {
            0 => Flood.Request(HttpMethod.Get, "/invented/" + i.ToString(CultureInfo.InvariantCulture), "path-" + i.ToString(CultureInfo.InvariantCulture)),
            _ => Flood.Request(new HttpMethod("M" + i.ToString(CultureInfo.InvariantCulture)), "/api/data", "path-" + i.ToString(CultureInfo.InvariantCulture)),
        });

        var stats = await server.Client.GetByteArrayAsync("/admin/stats", Token);
        var history = await server.Client.GetByteArrayAsync("/admin/live/history", Token);
        var after = await MemoryAsync(server);
        var figures = $"identities: {identities}; paths: {paths}; /admin/stats {stats.Length} B; /admin/live/history {history.Length} B; " +
            $"working set {before.WorkingSet / 1048576} -> {after.WorkingSet / 1048576} MiB; managed heap {before.Heap / 1048576} -> {after.Heap / 1048576} MiB";
        TestContext.Current.TestOutputHelper?.WriteLine(figures);

        Assert.True(identities.Dropped + paths.Dropped == 0, figures);
        Assert.True(identities.ServerErrors + paths.ServerErrors == 0, figures);
        Assert.Equal(Identities + InventedPaths, identities.Answered + paths.Answered);
        Assert.InRange(stats.Length, 1, 16 * 1024);
        // 300 seconds at most, each at most 21 endpoint and 10 client rows.
        Assert.InRange(history.Length, 2, 300 * 4 * 1024);
        // The flood's state is bounded by the tables' caps and the store's, not by the number of requests.
        Assert.True(after.WorkingSet < 512L * 1048576, figures);
        Assert.DoesNotContain("Exception", server.Output, StringComparison.Ordinal);
    }

    /// <summary>The process's working set and managed heap (all generations after the last collection), from its Prometheus metrics.</summary>
    private static async Task<(long WorkingSet, long Heap)> MemoryAsync(ServerProcess server)
    {
        var metrics = await server.Client.GetStringAsync("/metrics", Token);
        return (Gauge(metrics, "dotnet_process_memory_working_set_bytes"), Gauge(metrics, "dotnet_gc_last_collection_heap_size_bytes"));
    }

    /// <summary>The sum of a gauge's samples over all their labels.</summary>
    private static long Gauge(string metrics, string name)
    {
        var samples = metrics.Split('\n').Where(line => line.StartsWith(name + " ", StringComparison.Ordinal) || line.StartsWith(name + "{", StringComparison.Ordinal)).ToList();
        if (samples.Count == 0)
        {
            throw new InvalidOperationException($"No gauge {name} in /metrics.");
        }

        return samples.Sum(line => (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }
}
