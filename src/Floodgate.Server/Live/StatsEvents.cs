using System.Text.Json;
using Floodgate.Server.Stats;

namespace Floodgate.Server.Live;

/// <summary>
/// Turns each second the <see cref="TrafficStats"/> pipeline ends into a <c>stats</c> event: this instance's count
/// alone, or, with Redis, the sum of what every instance published for that second.
/// </summary>
internal sealed class StatsEvents : IHostedService, IDisposable
{
    private const int TopClients = 10;

    // A stats event lists this many endpoints, then the rest as one "(other)" row: five minutes of history stay small.
    private const int TopEndpoints = 20;

    // Parts from other instances arrive a little after the second ends; the sum waits this long for them.
    private static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(300);

    private readonly TrafficStats _stats;
    private readonly LiveHub _hub;
    private readonly LiveRelay? _relay;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _partsGate = new();
    private readonly Dictionary<long, List<StatsPart>> _parts = [];

    public StatsEvents(TrafficStats stats, LiveHub hub, TimeProvider timeProvider, LiveRelay? relay = null)
    {
        _stats = stats;
        _hub = hub;
        _relay = relay;
        _timeProvider = timeProvider;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stats.SecondEnded += OnSecondEnded;
        if (_relay is not null)
        {
            _relay.StatsPartReceived += OnPartReceived;
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stats.SecondEnded -= OnSecondEnded;
        if (_relay is not null)
        {
            _relay.StatsPartReceived -= OnPartReceived;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();

    private void OnSecondEnded(TrafficSecond second)
    {
        var part = new StatsPart
        {
            Instance = _hub.Instance,
            Second = second.Second,
            Allowed = second.Allowed,
            Denied = second.Denied,
            Endpoints = second.Endpoints,
            Clients = second.Clients,
        };
        if (_relay is null)
        {
            _hub.Publish(Sum(part.Second, [part]));
            return;
        }

        Keep(part);
        _relay.PublishStatsPart(JsonSerializer.SerializeToUtf8Bytes(part, LiveJsonContext.Default.StatsPart));
        _ = EmitAfterAsync(part.Second, _stopping.Token);
    }

    private async Task EmitAfterAsync(long second, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(GatherDelay, _timeProvider, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        List<StatsPart> parts;
        lock (_partsGate)
        {
            parts = _parts.Remove(second, out var found) ? found : [];
            foreach (var old in _parts.Keys.Where(s => s < second - 5).ToList())
            {
                _parts.Remove(old);
            }
        }

        _hub.Publish(Sum(second, parts));
    }

    private void OnPartReceived(byte[] json)
    {
        try
        {
            if (JsonSerializer.Deserialize(json, LiveJsonContext.Default.StatsPart) is { Instance: not null } part && part.Instance != _hub.Instance)
            {
                Keep(part);
            }
        }
        catch (JsonException)
        {
            // Not a part this version understands: ignored.
        }
    }

    private void Keep(StatsPart part)
    {
        lock (_partsGate)
        {
            if (!_parts.TryGetValue(part.Second, out var list))
            {
                _parts[part.Second] = list = [];
            }

            list.RemoveAll(p => p.Instance == part.Instance);
            list.Add(part);
        }
    }

    private StatsEvent Sum(long second, List<StatsPart> parts) => new(
        _timeProvider.GetUtcNow(),
        second,
        parts.Sum(p => p.Allowed),
        parts.Sum(p => p.Denied),
        Merge(parts.SelectMany(p => p.Endpoints ?? []), TopEndpoints, sumTheRest: true),
        Merge(parts.SelectMany(p => p.Clients ?? []), TopClients, sumTheRest: false),
        parts.Count,
        _hub.Listeners,
        _hub.Dropped);

    private static List<TrafficRow> Merge(IEnumerable<TrafficRow> rows, int count, bool sumTheRest) =>
        TrafficRanking.Busiest(
            rows.GroupBy(r => r.Name, StringComparer.Ordinal).Select(g => new TrafficRow(g.Key, g.Sum(r => r.Allowed), g.Sum(r => r.Denied))),
            count,
            sumTheRest);
}
