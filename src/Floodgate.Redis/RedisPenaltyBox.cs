using System.Globalization;
using Floodgate.Algorithms;
using Floodgate.Diagnostics;
using Floodgate.Penalties;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// Bans in Redis, so that a ban recorded by one instance holds on every instance at once: same rules as
/// <see cref="InMemoryPenaltyBox"/> (the <c>Violations</c>-th violation within <c>Window</c> bans for
/// <c>BanDuration</c>, doubling per strike with <c>Escalate</c> up to <c>MaxBanDuration</c>).
/// </summary>
/// <remarks>
/// Per client, in one Cluster slot: <c>{prefix}:ban:{{client}}</c> (hash: bannedAt, expiresAt, strike, reason, with a
/// PEXPIRE), <c>{prefix}:strikes:{{client}}</c> and <c>{prefix}:violations:{{client}}</c>; one script records a
/// violation and bans atomically. <c>{prefix}:bans</c> indexes the bans for listing (sorted set scored by expiry).
/// Checking a ban costs no round trip: the script announces every ban and unban on <c>{prefix}:bans:changes</c>, and
/// each instance keeps a mirror of the bans in force (<see cref="RedisBanMirror"/>), reloaded after it subscribes and
/// after every reconnect; until a reload is done a check is one HMGET. While Redis cannot be reached (and for a call that times out), the
/// in-memory box bans in this process; those bans keep holding here (and are listed and lifted) after Redis answers
/// again. A failure that is not an outage (a script error) is logged as an error and thrown to the caller.
/// </remarks>
public sealed class RedisPenaltyBox : IPenaltyBox, IDisposable
{
    /// <summary>How often the subscription's marker is sent until it comes back, and how many times.</summary>
    private const int MarkerAttempts = 100;

    private static readonly RedisValue[] BanFields = ["bannedAt", "expiresAt", "strike", "reason"];

    private static readonly TimeSpan MarkerInterval = TimeSpan.FromMilliseconds(100);

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisStoreOptions _options;
    private readonly PenaltyOptions _penalty;
    private readonly InMemoryPenaltyBox _fallback;
    private readonly bool _ownsFallback;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RedisKey _index;
    private readonly string _violationReason;
    private readonly RedisOutage _outage;
    private readonly RedisBanMirror _mirror;
    private readonly RedisChannel _channel;
    private readonly string _channelName;
    private RedisCallFailure? _lastBug;
    private int _syncRequests;
    private long _markers;
    private Tuple<string, TaskCompletionSource>? _marker;
    private long _lastSyncAttempt;
    private Task<ChannelMessageQueue>? _subscription;

    /// <summary>Creates the box on a shared multiplexer; <paramref name="fallback"/> bans while Redis cannot be reached.</summary>
    public RedisPenaltyBox(
        IConnectionMultiplexer redis,
        RedisStoreOptions options,
        PenaltyOptions? penaltyOptions = null,
        InMemoryPenaltyBox? fallback = null,
        TimeProvider? timeProvider = null,
        ILogger<RedisPenaltyBox>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _penalty = penaltyOptions ?? new PenaltyOptions();
        _penalty.Validate();
        _redis = redis;
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _outage = new RedisOutage(_timeProvider, options.RetryInterval, options.TimeoutsBeforeOutage);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _ownsFallback = fallback is null;
        _fallback = fallback ?? new InMemoryPenaltyBox(_penalty, _timeProvider);
        _index = options.KeyPrefix + ":bans";
        _violationReason = string.Create(CultureInfo.InvariantCulture, $"{_penalty.Violations} violations within {RateLimit.FormatWindow(_penalty.Window)}");
        _channelName = options.KeyPrefix + ":bans:changes";
        _channel = RedisChannel.Literal(_channelName);
        _mirror = new RedisBanMirror(_timeProvider, options.UseApplicationClock);
        _redis.ConnectionRestored += OnConnectionRestored;
        _redis.ConnectionFailed += OnConnectionFailed;
        Resync();
    }

    /// <summary>Whether bans are checked in this instance's mirror, without a round trip, right now.</summary>
    public bool MirrorIsCurrent => _mirror.IsCurrent;

    /// <summary>Whether bans are being kept in this process instead of Redis right now.</summary>
    public bool IsDegraded => _outage.IsDegraded;

    /// <summary>The last call that failed for a reason other than an outage (a script error, a bug), if any.</summary>
    internal RedisCallFailure? LastBug => Volatile.Read(ref _lastBug);

    /// <summary>Where store errors are counted (<c>floodgate.store.errors</c>), when the application has metrics.</summary>
    internal FloodgateMetrics? Metrics { get; init; }

    /// <summary>Raised when this instance bans a client (by violations or by an operator).</summary>
    public event Action<BanRecord>? Banned;

    /// <summary>Raised when this instance lifts a ban by <see cref="UnbanAsync"/>.</summary>
    public event Action<string>? Unbanned;

    /// <summary>The Redis key of <paramref name="clientId"/>'s ban: <c>{prefix}:ban:{{clientId}}</c>.</summary>
    public string BanKey(string clientId)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return Key("ban", clientId);
    }

    /// <inheritdoc />
    public ValueTask<BanRecord?> GetBanAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (_mirror.IsCurrent || Unavailable())
        {
            return new(_mirror.Find(clientId) ?? _fallback.GetBan(clientId));
        }

        RetrySync();
        return GetBanCoreAsync(clientId, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<BanRecord?> RecordViolationAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (!_penalty.Enabled)
        {
            return null;
        }

        if (!Unavailable())
        {
            var startedAt = _timeProvider.GetTimestamp();
            try
            {
                var reply = await EvaluateAsync(ClientKeys(clientId), [
                    "violation", Now(), _channelName, _mirror.NextOrigin(out var change), _penalty.Violations, Microseconds(_penalty.Window), Microseconds(_penalty.BanDuration),
                    Microseconds(_penalty.MaxBanDuration), _penalty.Escalate ? 1 : 0, _violationReason, clientId], cancellationToken).ConfigureAwait(false);
                Recovered();
                return reply.IsNull ? null : await BannedAsync(clientId, change, reply, _violationReason, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Failed(ex, startedAt))
            {
            }
        }

        var ban = await _fallback.RecordViolationAsync(clientId, cancellationToken).ConfigureAwait(false);
        if (ban is not null)
        {
            Banned?.Invoke(ban);
        }

        return ban;
    }

    /// <inheritdoc />
    public async ValueTask<BanRecord> BanAsync(string clientId, TimeSpan duration, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        if (!Unavailable())
        {
            var startedAt = _timeProvider.GetTimestamp();
            try
            {
                var reply = await EvaluateAsync(ClientKeys(clientId), [
                    "ban", Now(), _channelName, _mirror.NextOrigin(out var change), Math.Max(Microseconds(duration), 1), Microseconds(_penalty.MaxBanDuration), 0, reason, clientId], cancellationToken).ConfigureAwait(false);
                Recovered();
                return await BannedAsync(clientId, change, reply, reason, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Failed(ex, startedAt))
            {
            }
        }

        var ban = await _fallback.BanAsync(clientId, duration, reason, cancellationToken).ConfigureAwait(false);
        Banned?.Invoke(ban);
        return ban;
    }

    /// <inheritdoc />
    public async ValueTask<bool> UnbanAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        var removed = await _fallback.UnbanAsync(clientId, cancellationToken).ConfigureAwait(false);
        if (!Unavailable())
        {
            var startedAt = _timeProvider.GetTimestamp();
            try
            {
                var reply = await EvaluateAsync(ClientKeys(clientId), ["unban", Now(), _channelName, _mirror.NextOrigin(out var change), clientId], cancellationToken).ConfigureAwait(false);
                _mirror.Own(clientId, change, null);
                await _redis.GetDatabase().SortedSetRemoveAsync(_index, clientId).WaitAsync(_options.Timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
                Recovered();
                removed |= (long)reply == 1;
            }
            catch (Exception ex) when (Failed(ex, startedAt))
            {
            }
        }

        if (removed)
        {
            Unbanned?.Invoke(clientId);
        }

        return removed;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<BanRecord>> ListBansAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<BanRecord>();
        if (!Unavailable())
        {
            var startedAt = _timeProvider.GetTimestamp();
            try
            {
                (list, _) = await ReadBansAsync(cancellationToken).ConfigureAwait(false);
                Recovered();
            }
            catch (Exception ex) when (Failed(ex, startedAt))
            {
                list.Clear();
            }
        }

        // Bans made in this process while Redis could not be reached.
        foreach (var ban in await _fallback.ListBansAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!list.Exists(b => b.ClientId == ban.ClientId))
            {
                list.Add(ban);
            }
        }

        list.Sort(static (a, b) => a.ExpiresAt.CompareTo(b.ExpiresAt));
        return list;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        _redis.ConnectionFailed -= OnConnectionFailed;
        if (_ownsFallback)
        {
            _fallback.Dispose();
        }
    }

    private async ValueTask<BanRecord?> GetBanCoreAsync(string clientId, CancellationToken cancellationToken)
    {
        var startedAt = _timeProvider.GetTimestamp();
        try
        {
            var values = await _redis.GetDatabase().HashGetAsync(Key("ban", clientId), BanFields).WaitAsync(_options.Timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            Recovered();
            return Record(clientId, values) ?? _fallback.GetBan(clientId);
        }
        catch (Exception ex) when (Failed(ex, startedAt))
        {
            return _fallback.GetBan(clientId);
        }
    }

    /// <summary>The bans in force in Redis, and Redis's clock when they were listed (microseconds).</summary>
    private async Task<(List<BanRecord> Bans, long Now)> ReadBansAsync(CancellationToken cancellationToken)
    {
        var reply = (RedisValue[])(await EvaluateAsync([_index], ["list", Now(), _channelName, _mirror.Anonymous], cancellationToken).ConfigureAwait(false))!;
        var database = _redis.GetDatabase();
        var reads = new Task<RedisValue[]>[reply.Length - 1];
        for (var i = 1; i < reply.Length; i++)
        {
            reads[i - 1] = database.HashGetAsync(Key("ban", reply[i]!), BanFields);
        }

        var values = await Task.WhenAll(reads).WaitAsync(_options.Timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        var list = new List<BanRecord>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            if (Record(reply[i + 1]!, values[i]) is { } ban)
            {
                list.Add(ban);
            }
        }

        return (list, Number(reply[0]));
    }

    /// <summary>Asks for the mirror to be made current: subscribe (once) and reload every ban in force. Requests made while one runs make it run again.</summary>
    private void Resync()
    {
        Volatile.Write(ref _lastSyncAttempt, _timeProvider.GetTimestamp());
        if (Interlocked.Increment(ref _syncRequests) == 1)
        {
            _ = SyncAsync();
        }
    }

    /// <summary>A check that found the mirror not current asks again, at most once per <c>RetryInterval</c>.</summary>
    private void RetrySync()
    {
        if (Volatile.Read(ref _syncRequests) == 0 && _timeProvider.GetElapsedTime(Volatile.Read(ref _lastSyncAttempt)) >= _options.RetryInterval)
        {
            Resync();
        }
    }

    private async Task SyncAsync()
    {
        while (true)
        {
            var requests = Volatile.Read(ref _syncRequests);
            var generation = _mirror.Generation;
            var sinceChange = _mirror.Changes;
            try
            {
                var subscriber = _redis.GetSubscriber();
                await Subscription(subscriber).WaitAsync(_options.Timeout * 4, _timeProvider).ConfigureAwait(false);

                // The subscription must be live before the index is read, or a ban announced in between is lost (after a
                // reconnect the client subscribes again on its own, and may not have yet): a marker sent through the
                // channel and received proves it.
                // Sent again every MarkerInterval (system clock: it paces a network delivery) until one comes back.
                var marker = string.Create(CultureInfo.InvariantCulture, $"m:{_mirror.Anonymous}:{Interlocked.Increment(ref _markers)}");
                var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _marker, Tuple.Create(marker, arrived));
                for (var attempt = 1; !arrived.Task.IsCompleted; attempt++)
                {
                    await subscriber.PublishAsync(_channel, marker).WaitAsync(_options.Timeout, _timeProvider).ConfigureAwait(false);
                    try
                    {
                        await arrived.Task.WaitAsync(MarkerInterval, TimeProvider.System).ConfigureAwait(false);
                    }
                    catch (TimeoutException) when (attempt < MarkerAttempts)
                    {
                    }
                    catch (TimeoutException)
                    {
                        // Redis answers, yet no marker came back: the client did not restore the subscription after a
                        // reconnect (it has been seen to happen). Dropped, so that the next try subscribes anew.
                        await DropSubscriptionAsync().ConfigureAwait(false);
                        throw;
                    }
                }

                var (bans, now) = await ReadBansAsync(CancellationToken.None).ConfigureAwait(false);
                _mirror.Reload(bans, now, sinceChange, generation);
            }
            catch (Exception ex)
            {
                // Redis away (the next reconnect or check asks again), or a bug: checks keep asking Redis meanwhile.
                Log.BanMirrorNotLoaded(_logger, ex);
            }

            if (Interlocked.CompareExchange(ref _syncRequests, 0, requests) == requests)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The one subscription to the announcements, made once (a call that timed out is waited for again, not repeated:
    /// a second subscription would deliver each announcement twice, in no order between the two), and made again only
    /// after it was dropped because it delivered none of a sync's markers. Its messages are
    /// handled one at a time in the order Redis sent them: a handler subscribed without a queue may run them
    /// concurrently, and an unban applied before the ban it lifts would bring the ban back.
    /// </summary>
    private Task<ChannelMessageQueue> Subscription(ISubscriber subscriber)
    {
        var subscription = Volatile.Read(ref _subscription);
        if (subscription is null || subscription.IsFaulted || subscription.IsCanceled)
        {
            subscription = SubscribeAsync(subscriber);
            Volatile.Write(ref _subscription, subscription);
        }

        return subscription;
    }

    private async Task<ChannelMessageQueue> SubscribeAsync(ISubscriber subscriber)
    {
        var queue = await subscriber.SubscribeAsync(_channel).ConfigureAwait(false);
        queue.OnMessage(message => OnAnnouncement(message.Message));
        return queue;
    }

    /// <summary>Ends the subscription (its queue with it), so that the next sync makes a new one: never two at once.</summary>
    private async Task DropSubscriptionAsync()
    {
        var subscription = Interlocked.Exchange(ref _subscription, null);
        if (subscription is { IsCompletedSuccessfully: true })
        {
            try
            {
                await subscription.Result.UnsubscribeAsync().WaitAsync(_options.Timeout, _timeProvider).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisOutage.Classify(ex) != RedisFailureKind.Bug)
            {
                // Gone with its connection; the queue is left to the collector.
            }
        }
    }

    private void OnAnnouncement(RedisValue message)
    {
        var bytes = ((ReadOnlyMemory<byte>)message).Span;
        if (bytes.StartsWith("m:"u8))
        {
            if (Volatile.Read(ref _marker) is { } marker && message == marker.Item1)
            {
                marker.Item2.TrySetResult();
            }

            return;
        }

        _mirror.Apply(bytes);
    }

    /// <summary>The ban a script reply describes, after indexing it for listing.</summary>
    private async Task<BanRecord> BannedAsync(string clientId, long change, RedisResult reply, string reason, CancellationToken cancellationToken)
    {
        var fields = (RedisResult[])reply!;
        var ban = new BanRecord(clientId, FromMicroseconds(Number(fields[0])), FromMicroseconds(Number(fields[1])), (int)(long)fields[2], reason);
        _mirror.Own(clientId, change, ban);
        var startedAt = _timeProvider.GetTimestamp();
        try
        {
            await _redis.GetDatabase().SortedSetAddAsync(_index, clientId, Number(fields[1])).WaitAsync(_options.Timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failed(ex, startedAt))
        {
            // The ban holds everywhere; only the listing misses it until the next ban of this client.
        }

        Banned?.Invoke(ban);
        return ban;
    }

    private BanRecord? Record(string clientId, RedisValue[] values)
    {
        if (values[1].IsNull)
        {
            return null;
        }

        var expiresAt = Number(values[1]);

        // With Redis TIME the key's PEXPIRE ends the ban; with the application's clock, that clock does.
        if (_options.UseApplicationClock && expiresAt <= RateLimitAlgorithms.Now(_timeProvider))
        {
            return null;
        }

        return new BanRecord(clientId, FromMicroseconds(Number(values[0])), FromMicroseconds(expiresAt), (int)values[2], (string?)values[3] ?? string.Empty);
    }

    private Task<RedisResult> EvaluateAsync(RedisKey[] keys, RedisValue[] arguments, CancellationToken cancellationToken) =>
        RedisScripts.EvaluateAsync(_redis.GetDatabase(), RedisScripts.PenaltySha1, RedisScripts.Penalty, keys, arguments, _options.Timeout, _timeProvider, cancellationToken);

    private RedisKey[] ClientKeys(string clientId) => [Key("violations", clientId), Key("ban", clientId), Key("strikes", clientId)];

    private string Key(string kind, string clientId) => string.Concat(_options.KeyPrefix, ":", kind, ":{", clientId, "}");

    private long Now() => _options.UseApplicationClock ? RateLimitAlgorithms.Now(_timeProvider) : 0;

    private static long Microseconds(TimeSpan span) => span.Ticks / 10;

    private static long Number(RedisValue value) => (long)double.Parse((string)value!, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static long Number(RedisResult value) => Number((RedisValue)value);

    private static DateTimeOffset FromMicroseconds(long microseconds) => DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10);

    private bool Unavailable() => _outage.Resting;

    /// <summary>
    /// Records a failed call begun at <paramref name="startedAt"/>: <see langword="false"/> for a bug (logged as an
    /// error and left to propagate); otherwise <see langword="true"/>, and the in-memory box answers this call.
    /// </summary>
    private bool Failed(Exception exception, long startedAt)
    {
        Metrics?.StoreError(nameof(RedisPenaltyBox));
        var kind = RedisOutage.Classify(exception, _redis);
        if (kind == RedisFailureKind.Bug)
        {
            Volatile.Write(ref _lastBug, new RedisCallFailure(exception, _timeProvider.GetTimestamp()));
            Log.PenaltyBoxCallFailed(_logger, exception);
            return false;
        }

        if (_outage.Fail(kind, startedAt, out var began) && began)
        {
            Log.PenaltyBoxUnavailable(_logger, exception);
        }

        return true;
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        _outage.RetryNow();
        Resync();
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) => _mirror.Invalidate();

    private void Recovered()
    {
        if (_outage.Recover())
        {
            Log.PenaltyBoxRecovered(_logger);
        }
    }
}
