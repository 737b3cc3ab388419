using System.Text.Json;
using System.Text.Json.Serialization;
using Floodgate.Server.Stats;

namespace Floodgate.Server.Live;

/// <summary>
/// Counts every limited request into the current second and, at each second's end, turns the count into a
/// <c>stats</c> event: this instance's count alone, or, with Redis, the sum of what every instance published for that
/// second. Also decides which requests become <c>allowed</c> and <c>denied</c> events (the per-second budgets).
/// </summary>
internal sealed class LiveStats : BackgroundService
{
    private const int MaxClientsPerSecond = 10_000;
    private const int TopClients = 10;
    private const int PartClients = 50;

    // A stats event lists this many endpoints, then the rest as one "(other)" row: five minutes of history stay small.
    private const int TopEndpoints = 20;

    // Parts from other instances arrive a little after the second ends; the sum waits this long for them.
    private static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(300);

    // A request that read the current second just before it ended still counts into it: the count is taken this
    // long after the switch.
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(20);

    private readonly LiveHub _hub;
    private readonly LiveOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly bool _gather;
    private readonly Lock _partsGate = new();
    private readonly Dictionary<long, List<StatsPart>> _parts = [];
    private Second _current = new();

    public LiveStats(LiveHub hub, Microsoft.Extensions.Options.IOptions<LiveOptions> options, TimeProvider timeProvider, LiveRelay? relay = null)
    {
        _hub = hub;
        _options = options.Value;
        _timeProvider = timeProvider;
        _gather = relay is not null;
        _hub.StatsPartReceived += OnPartReceived;
    }

    /// <summary>Counts one limited request and, within this second's budgets (or when its client is watched), makes it an event.</summary>
    public void Record(string endpoint, string client, string policy, RateLimitDecision decision, int status, bool allowed)
    {
        var second = Volatile.Read(ref _current);
        second.Add(endpoint, client, allowed);
        if (_hub.HasAudience && (_hub.IsWatched(client) || second.TakeEvent(allowed, _options)))
        {
            _hub.Publish(new DecisionEvent(_timeProvider.GetUtcNow(), client, endpoint, policy, decision, status, allowed));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = _timeProvider.GetUtcNow();
                var end = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1);
                await Task.Delay(end - now, _timeProvider, stoppingToken).ConfigureAwait(false);
                var ended = Interlocked.Exchange(ref _current, new Second());
                await Task.Delay(SettleDelay, _timeProvider, stoppingToken).ConfigureAwait(false);
                var part = ended.ToPart(_hub.Instance, end.ToUnixTimeSeconds() - 1);
                if (_gather)
                {
                    Keep(part);
                    _hub.PublishStatsPart(JsonSerializer.SerializeToUtf8Bytes(part, LiveJsonContext.Default.StatsPart));
                    _ = EmitAfterAsync(part.Second, stoppingToken);
                }
                else
                {
                    _hub.Publish(Sum(part.Second, [part]));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
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
        TrafficCounter.Busiest(
            rows.GroupBy(r => r.Name, StringComparer.Ordinal).Select(g => new TrafficRow(g.Key, g.Sum(r => r.Allowed), g.Sum(r => r.Denied))),
            count,
            sumTheRest);

    /// <summary>
    /// The counts of one second on this instance, and the events it has left to give. Bounded: past their caps, new
    /// endpoints and clients of this second count under "(other)" (listed for endpoints, left out for clients).
    /// </summary>
    private sealed class Second
    {
        private readonly TrafficTable _endpoints = new(TrafficStats.MaxEndpoints);
        private readonly TrafficTable _clients = new(MaxClientsPerSecond);
        private long _allowed;
        private long _denied;
        private int _allowedEvents;
        private int _deniedEvents;

        public void Add(string endpoint, string client, bool allowed)
        {
            Interlocked.Increment(ref allowed ? ref _allowed : ref _denied);
            _endpoints.Add(endpoint, allowed);
            _clients.Add(client, allowed);
        }

        /// <summary>Whether this second's budget (<see cref="LiveOptions"/>) has room for one more event of this kind.</summary>
        public bool TakeEvent(bool allowed, LiveOptions options) => allowed
            ? Interlocked.Increment(ref _allowedEvents) <= options.AllowedEventsPerSecond
            : Interlocked.Increment(ref _deniedEvents) <= options.DeniedEventsPerSecond;

        public StatsPart ToPart(string instance, long second) => new()
        {
            Instance = instance,
            Second = second,
            Allowed = Interlocked.Read(ref _allowed),
            Denied = Interlocked.Read(ref _denied),
            Endpoints = _endpoints.Busiest(TopEndpoints, sumTheRest: true),
            Clients = _clients.Busiest(PartClients, sumTheRest: false),
        };
    }
}

/// <summary>One instance's count of one second, as published to the others.</summary>
internal sealed record StatsPart
{
    public string? Instance { get; init; }

    public long Second { get; init; }

    public long Allowed { get; init; }

    public long Denied { get; init; }

    public List<TrafficRow>? Endpoints { get; init; }

    public List<TrafficRow>? Clients { get; init; }
}

/// <summary><c>stats</c>: one second of traffic, summed over the instances that reported it.</summary>
internal sealed class StatsEvent(DateTimeOffset time, long second, long allowed, long denied, List<TrafficRow> endpoints, List<TrafficRow> topClients, int instances, int listeners, long dropped)
    : LiveEvent("stats", time)
{
    public override bool Relayed => false;

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("second", DateTimeOffset.FromUnixTimeSeconds(second).UtcDateTime);
        writer.WriteNumber("allowed", allowed);
        writer.WriteNumber("denied", denied);
        WriteRows(writer, "endpoints", endpoints);
        WriteRows(writer, "top_clients", topClients);
        writer.WriteNumber("instances", instances);
        writer.WriteNumber("listeners", listeners);
        writer.WriteNumber("dropped", dropped);
    }

    private static void WriteRows(Utf8JsonWriter writer, string name, List<TrafficRow> rows)
    {
        writer.WriteStartArray(name);
        foreach (var row in rows)
        {
            writer.WriteStartObject();
            writer.WriteString("name", row.Name);
            writer.WriteNumber("allowed", row.Allowed);
            writer.WriteNumber("denied", row.Denied);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StatsPart))]
internal sealed partial class LiveJsonContext : JsonSerializerContext
{
}
