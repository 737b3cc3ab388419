using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Floodgate.Penalties;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Live;

/// <summary>
/// The event queue and its fan-out to listeners. Requests and the stats pipeline hand events to one bounded queue and
/// return at once (a full queue drops and counts); one background loop writes each event once as JSON, hands it to
/// the <see cref="LiveRelay"/> when there is one, keeps <c>stats</c> events in the <see cref="StatsHistory"/>, and
/// offers the bytes to every connected stream that wants it, each through its own bounded queue.
/// </summary>
internal sealed class LiveHub : BackgroundService
{
    private readonly LiveOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IPenaltyBox _bans;
    private readonly LiveRelay? _relay;
    private readonly StatsHistory _history = new();
    private readonly Channel<LiveEvent> _incoming = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.Wait, // never waited on: TryWrite answers false when full
        SingleReader = true,
    });

    private readonly Lock _gate = new();
    private LiveSubscription[] _subscriptions = [];

    // The clients that streams follow, derived from the subscriptions whenever they change: requests read it without a lock.
    private HashSet<string> _watched = new(StringComparer.Ordinal);
    private long _dropped;

    public LiveHub(IOptions<LiveOptions> options, TimeProvider timeProvider, IPenaltyBox bans, IMeterFactory meters, LiveRelay? relay = null)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _bans = bans;
        _relay = relay;
        Instance = string.IsNullOrWhiteSpace(_options.Instance) ? $"{Environment.MachineName}:{Environment.ProcessId}" : _options.Instance;
        var meter = meters.Create("Floodgate");
        meter.CreateObservableGauge("floodgate.live.listeners", () => Listeners, unit: "{connection}", description: "Connected live streams on this instance.");
        meter.CreateObservableCounter("floodgate.live.dropped_events", () => Dropped, unit: "{event}", description: "Events dropped because a listener (or the hub) could not keep up.");
    }

    /// <summary>This instance's name in events.</summary>
    public string Instance { get; }

    public DateTimeOffset Now => _timeProvider.GetUtcNow();

    /// <summary>Connected streams on this instance.</summary>
    public int Listeners => Volatile.Read(ref _subscriptions).Length;

    /// <summary>Events dropped on this instance since it started, for slow listeners or a full hub.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Whether anyone may hear an event: a stream here, or other instances through Redis.</summary>
    public bool HasAudience => _relay is not null || Volatile.Read(ref _subscriptions).Length > 0;

    /// <summary>Whether a stream follows <paramref name="client"/> (its events are never sampled away).</summary>
    public bool IsWatched(string client)
    {
        var watched = Volatile.Read(ref _watched);
        return watched.Count > 0 && watched.Contains(client);
    }

    /// <summary>Hands <paramref name="liveEvent"/> to the hub without waiting.</summary>
    public void Publish(LiveEvent liveEvent)
    {
        if (!_incoming.Writer.TryWrite(liveEvent))
        {
            CountDropped();
        }
    }

    /// <summary>A new stream, following <paramref name="client"/> or every client; <see langword="null"/> when this instance has as many as it takes.</summary>
    public LiveSubscription? Subscribe(string? client)
    {
        lock (_gate)
        {
            if (_subscriptions.Length >= _options.MaxConnections)
            {
                return null;
            }

            var subscription = new LiveSubscription(this, client, _options.QueueSize);
            Replace([.. _subscriptions, subscription]);
            return subscription;
        }
    }

    public void Unsubscribe(LiveSubscription subscription)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_subscriptions, subscription);
            if (index < 0)
            {
                return;
            }

            Replace([.. _subscriptions[..index], .. _subscriptions[(index + 1)..]]);
        }
    }

    /// <summary>The <c>stats</c> events of the last five minutes, oldest first, as one JSON array.</summary>
    public byte[] History() => _history.ToJson();

    public LiveMessage Message(LiveEvent liveEvent) => liveEvent.ToMessage(Instance);

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _bans.Banned += OnBanned;
        _bans.Unbanned += OnUnbanned;
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _bans.Banned -= OnBanned;
        _bans.Unbanned -= OnUnbanned;
        _incoming.Writer.TryComplete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _relay?.Listen(Instance, Deliver, stoppingToken);
        try
        {
            await foreach (var liveEvent in _incoming.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                var message = Message(liveEvent);
                if (liveEvent.Relayed)
                {
                    _relay?.PublishEvent(message.Json);
                }

                if (liveEvent is StatsEvent)
                {
                    _history.Add(message.Json);
                }

                Deliver(message);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sets the subscriptions (under <see cref="_gate"/>) and the followed clients they imply.</summary>
    private void Replace(LiveSubscription[] subscriptions)
    {
        Volatile.Write(ref _subscriptions, subscriptions);
        Volatile.Write(ref _watched, subscriptions.Where(s => s.Client is not null).Select(s => s.Client!).ToHashSet(StringComparer.Ordinal));
    }

    private void Deliver(LiveMessage message)
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (subscription.Wants(message))
            {
                subscription.Offer(message);
            }
        }
    }

    private void OnBanned(BanRecord ban) => Publish(new BannedEvent(Now, ban));

    private void OnUnbanned(string client) => Publish(new UnbannedEvent(Now, client));
}
