using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Floodgate.Penalties;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Floodgate.Server.Live;

/// <summary>
/// Where events meet listeners. Requests hand events to one bounded queue and return at once (a full queue drops and
/// counts); one background loop writes each event once as JSON, publishes it to the other instances through Redis
/// when there is one, and offers the bytes to every connected stream that wants it, each through its own bounded queue.
/// </summary>
internal sealed partial class LiveHub : BackgroundService
{
    private const int HistorySeconds = 300;
    private readonly LiveOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IPenaltyBox _bans;
    private readonly IConnectionMultiplexer? _redis;
    private readonly RedisChannel _eventsChannel;
    private readonly RedisChannel _statsChannel;
    private readonly ILogger<LiveHub> _logger;
    private readonly Channel<LiveEvent> _incoming = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.Wait, // never waited on: TryWrite answers false when full
        SingleReader = true,
    });

    private readonly Lock _gate = new();
    private readonly Queue<byte[]> _history = new(HistorySeconds);
    private LiveSubscription[] _subscriptions = [];

    // The clients that streams follow, derived from the subscriptions whenever they change: requests read it without a lock.
    private HashSet<string> _watched = new(StringComparer.Ordinal);
    private long _dropped;

    public LiveHub(IOptions<LiveOptions> options, TimeProvider timeProvider, IPenaltyBox bans, ILogger<LiveHub> logger, IMeterFactory meters, LiveRelay? relay = null)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _bans = bans;
        _logger = logger;
        _redis = relay?.Connection;
        _eventsChannel = RedisChannel.Literal((relay?.KeyPrefix ?? "floodgate") + ":live");
        _statsChannel = RedisChannel.Literal((relay?.KeyPrefix ?? "floodgate") + ":live:stats");
        Instance = string.IsNullOrWhiteSpace(_options.Instance) ? $"{Environment.MachineName}:{Environment.ProcessId}" : _options.Instance;
        var meter = meters.Create("Floodgate.Server");
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
    public bool HasAudience => _redis is not null || Volatile.Read(ref _subscriptions).Length > 0;

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

    /// <summary>Sets the subscriptions (under <see cref="_gate"/>) and the followed clients they imply.</summary>
    private void Replace(LiveSubscription[] subscriptions)
    {
        Volatile.Write(ref _subscriptions, subscriptions);
        Volatile.Write(ref _watched, subscriptions.Where(s => s.Client is not null).Select(s => s.Client!).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The <c>stats</c> events of the last five minutes, oldest first, as one JSON array.</summary>
    public byte[] History()
    {
        using var json = new MemoryStream();
        json.WriteByte((byte)'[');
        lock (_gate)
        {
            foreach (var item in _history)
            {
                if (json.Length > 1)
                {
                    json.WriteByte((byte)',');
                }

                json.Write(item);
            }
        }

        json.WriteByte((byte)']');
        return json.ToArray();
    }

    public LiveMessage Message(LiveEvent liveEvent) => liveEvent.ToMessage(Instance);

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>Raised for each per-second count another instance published (the bytes of a <see cref="StatsPart"/>).</summary>
    public event Action<byte[]>? StatsPartReceived;

    /// <summary>Sends this instance's count of one second to the other instances (nothing without Redis).</summary>
    public void PublishStatsPart(byte[] part)
    {
        if (_redis is not null)
        {
            Relay(_statsChannel, part);
        }
    }

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
        if (_redis is not null)
        {
            _ = ListenAsync(_redis, stoppingToken);
        }

        try
        {
            await foreach (var liveEvent in _incoming.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                var message = Message(liveEvent);
                if (_redis is not null && liveEvent.Relayed)
                {
                    Relay(_eventsChannel, message.Json);
                }

                if (message.Type == "stats")
                {
                    lock (_gate)
                    {
                        if (_history.Count == HistorySeconds)
                        {
                            _history.Dequeue();
                        }

                        _history.Enqueue(message.Json);
                    }
                }

                Deliver(message);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
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

    private void Relay(RedisChannel channel, byte[] payload)
    {
        try
        {
            _redis!.GetSubscriber().Publish(channel, payload, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogRelayFailed(_logger, ex.Message);
        }
    }

    /// <summary>Hears the other instances: subscribes (trying again each second until Redis answers) and delivers what they publish.</summary>
    private Task ListenAsync(IConnectionMultiplexer redis, CancellationToken stoppingToken) => RedisRetry.UntilDoneAsync(
        async () =>
        {
            var subscriber = redis.GetSubscriber();
            var events = await subscriber.SubscribeAsync(_eventsChannel).ConfigureAwait(false);
            ChannelMessageQueue stats;
            try
            {
                stats = await subscriber.SubscribeAsync(_statsChannel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Not half subscribed: the next try subscribes to both again.
                await events.UnsubscribeAsync(CommandFlags.FireAndForget).ConfigureAwait(false);
                throw;
            }

            stats.OnMessage(message =>
            {
                if ((byte[]?)message.Message is { } part)
                {
                    StatsPartReceived?.Invoke(part);
                }
            });
            // Processed in order, one at a time: events of one instance keep their order.
            events.OnMessage(message =>
            {
                if ((byte[]?)message.Message is { } json && LiveMessage.Parse(json) is { } parsed && parsed.Instance != Instance)
                {
                    Deliver(parsed);
                }
            });
        },
        reason => LogListenFailed(_logger, reason),
        _timeProvider,
        stoppingToken); // StackExchange.Redis subscribes again by itself after a reconnection.

    private void OnBanned(BanRecord ban) => Publish(new BannedEvent(Now, ban));

    private void OnUnbanned(string client) => Publish(new UnbannedEvent(Now, client));

    [LoggerMessage(1, LogLevel.Debug, "Live events could not be published to Redis: {Reason}")]
    private static partial void LogRelayFailed(ILogger logger, string reason);

    [LoggerMessage(2, LogLevel.Warning, "Live events of other instances cannot be heard until Redis answers: {Reason}")]
    private static partial void LogListenFailed(ILogger logger, string reason);
}

/// <summary>The Redis connection the hub relays through, when the service runs with Redis.</summary>
internal sealed record LiveRelay(IConnectionMultiplexer Connection, string KeyPrefix);
