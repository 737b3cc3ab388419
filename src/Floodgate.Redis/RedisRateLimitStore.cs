using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Floodgate.Algorithms;
using Floodgate.Diagnostics;
using Floodgate.Storage;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// Rate-limit state in Redis, shared by every instance: each decision is one atomic script (all limits of a request
/// in one round trip when their keys share a slot), Redis <c>TIME</c> is the clock, TTLs make idle keys vanish.
/// Requests that arrive while a call to the same endpoint (Cluster slot) is in flight go out together in the next
/// call (<see cref="BatchLane"/>), each still all-or-nothing, decided in arrival order; a request that waited for the
/// call before it has that much less of <c>Timeout</c> for its own, so none waits longer than <c>Timeout</c> in all.
/// A slow answer is waited for up to <c>Timeout</c>; Redis gone (see <see cref="RedisOutage"/>) never fails a request:
/// the <see cref="RedisFailureMode"/> answers. Any other error (a script error, a bug of ours) is logged as an error,
/// reported by the health check and thrown to the caller: it is never mistaken for an outage.
/// </summary>
public sealed partial class RedisRateLimitStore : RateLimitStore, IDisposable
{
    /// <summary>
    /// State lives on the primary: a replica's answer is never a decision. While no primary is known (a failover under
    /// way) a script fails at once instead of reaching a replica, and the failure mode answers.
    /// </summary>
    internal const CommandFlags ScriptFlags = CommandFlags.DemandMaster;

    /// <summary>Most limits whose share is remembered (<see cref="Share"/>); more are built per call.</summary>
    private const int MaxShares = 10_000;

    /// <summary>Most state keys remembered (<see cref="Known"/>); past it the cache starts over.</summary>
    private const int MaxCachedKeys = 100_000;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly InMemoryRateLimitStore _fallback;
    private readonly ConcurrentDictionary<string, long> _overLimit = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RateLimit, RateLimit> _shares = new();
    private readonly RedisOutage _outage;
    // By value, not by reference: a policy reload makes new but equal limits, and what Redis last said of a key (which
    // an outage's shares start from) must outlive it. Equals tests the reference first; the hash code is kept.
    private readonly ConcurrentDictionary<RateLimit, ConcurrentDictionary<string, KnownKey>> _stateKeys = new();
    private readonly BatchLane _lane;
    private readonly ConcurrentDictionary<int, BatchLane> _slotLanes = new();
    private readonly Func<List<BatchWaiter>, Task> _send;
    private RedisCallFailure? _lastBug;
    private int _cachedKeys;
    private int _cluster = -1;
    private long _overLimitHits;
    private long _roundTrips;

    /// <summary>Creates the store on a shared multiplexer.</summary>
    public RedisRateLimitStore(IConnectionMultiplexer redis, RedisStoreOptions options, TimeProvider? timeProvider = null, ILogger<RedisRateLimitStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _redis = redis;
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _outage = new RedisOutage(_timeProvider, options.RetryInterval, options.TimeoutsBeforeOutage);
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _fallback = new InMemoryRateLimitStore(timeProvider: _timeProvider);
        _send = SendBatchAsync;
        _lane = new BatchLane(_send, options.MaxBatchSize);

        // A restored connection or a new primary (a Sentinel failover) ends the rest at once: the next call tries Redis.
        _redis.ConnectionRestored += OnConnectionChanged;
        _redis.ConfigurationChanged += OnEndpointChanged;
    }

    /// <summary>Whether decisions are being made by the failure mode instead of Redis right now.</summary>
    public bool IsDegraded => _outage.IsDegraded;

    /// <summary>Times this store took Redis to be gone and switched to its failure mode.</summary>
    public long Outages => _outage.Outages;

    /// <summary>The time this store spent answering with its failure mode, the current outage included.</summary>
    public TimeSpan DegradedTime => _outage.DegradedTime;

    /// <summary>The last call that failed for a reason other than an outage (a script error, a bug), if any.</summary>
    internal RedisCallFailure? LastBug => Volatile.Read(ref _lastBug);

    /// <summary>Where store errors are counted (<c>floodgate.store.errors</c>), when the application has metrics.</summary>
    internal FloodgateMetrics? Metrics { get; init; }

    /// <summary>Decisions answered by the over-limit cache without a round trip.</summary>
    public long OverLimitCacheHits => Interlocked.Read(ref _overLimitHits);

    /// <summary>Scripts sent to Redis.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>Raised when the store starts or stops answering with its failure mode (true = degraded).</summary>
    public event Action<bool>? DegradedChanged;

    /// <inheritdoc />
    protected override ValueTask<RateLimitDecision> AcquireCoreAsync(string key, RateLimit limit, long cost, CancellationToken cancellationToken)
    {
        // No async frame of its own: the core's ValueTask is the answer (one state machine less per decision). The
        // request and its decision live in the pooled waiter: a single decision allocates no arrays.
        var waiter = BatchWaiter.RentSingle(new RateLimitRequest(key, limit, cost));
        return DecideAsync(waiter, waiter.SingleDecision, cancellationToken);
    }

    /// <inheritdoc />
    protected override async ValueTask<RateLimitDecision> PeekCoreAsync(string key, RateLimit limit, CancellationToken cancellationToken)
    {
        if (Unavailable())
        {
            return await _fallback.PeekAsync(key, limit, cancellationToken).ConfigureAwait(false);
        }

        var startedAt = _timeProvider.GetTimestamp();
        try
        {
            var reply = await EvaluateAsync([StateKey(key, limit)], Arguments([new RateLimitRequest(key, limit, 1)], consume: false)).ConfigureAwait(false);
            var decision = Decision(limit, reply, 0);
            return decision.IsAllowed ? decision with { Remaining = decision.Remaining + 1 } : decision;
        }
        catch (Exception ex) when (Failed(ex, startedAt, out _))
        {
            // Peeking admits nothing: memory answers for a slow call as for an outage.
            return await _fallback.PeekAsync(key, limit, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override async ValueTask ResetCoreAsync(string key, RateLimit limit, CancellationToken cancellationToken)
    {
        var stateKey = StateKey(key, limit);
        _overLimit.TryRemove(stateKey, out _);
        await _fallback.ResetAsync(key, limit, cancellationToken).ConfigureAwait(false);
        var startedAt = _timeProvider.GetTimestamp();
        try
        {
            await _redis.GetDatabase().KeyDeleteAsync(stateKey).WaitAsync(_options.Timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failed(ex, startedAt, out _))
        {
        }
    }

    /// <summary>The Redis key of <paramref name="key"/> under <paramref name="limit"/>: <c>{prefix}:{algorithm}:{{key}}:{count}:{window ms}[:b{burst}]</c>.
    /// The hash tag keeps every key of one client in one Cluster slot.</summary>
    public string StateKey(string key, RateLimit limit)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(limit);
        var burst = limit.Burst is { } b ? ":b" + b.ToString(CultureInfo.InvariantCulture) : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{_options.KeyPrefix}:{RedisScripts.ShortName(limit.Algorithm)}:{{{key}}}:{limit.Count}:{(long)limit.Window.TotalMilliseconds}{burst}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _redis.ConnectionRestored -= OnConnectionChanged;
        _redis.ConfigurationChanged -= OnEndpointChanged;
        _fallback.Dispose();
    }

    /// <inheritdoc />
    protected override ValueTask<RateLimitDecision> AcquireAllCoreAsync(ReadOnlyMemory<RateLimitRequest> requests, Memory<RateLimitDecision> decisions, CancellationToken cancellationToken) =>
        DecideAsync(BatchWaiter.Rent(requests), decisions, cancellationToken);

    /// <summary>
    /// Decides <paramref name="waiter"/>'s request: the over-limit cache, the failure mode, or Redis (batched unless its
    /// limits span slots). A batched request's answer is the waiter itself, completed by <see cref="Release"/>: no state
    /// machine of the store's own waits for it.
    /// </summary>
    private ValueTask<RateLimitDecision> DecideAsync(BatchWaiter waiter, Memory<RateLimitDecision> decisionMemory, CancellationToken cancellationToken)
    {
        var requestMemory = waiter.Requests;
        var keys = waiter.Keys;
        var localNow = _timeProvider.GetTimestamp();
        if (OverLimit(requestMemory.Span, keys, waiter.Known, localNow) is { } cached)
        {
            decisionMemory.Span.Fill(cached);
            waiter.Return();
            return new(cached);
        }

        var count = requestMemory.Length;
        if (Unavailable() || InGrace(requestMemory.Span, localNow) || !_options.Batching || (count > 1 && !SameSlot(keys, count)))
        {
            return DecideAloneAsync(waiter, decisionMemory, localNow, cancellationToken);
        }

        waiter.EnqueuedAt = localNow;
        waiter.Decisions = decisionMemory;
        waiter.CancellationToken = cancellationToken;
        Lane(keys[0]).Enqueue(waiter);
        return waiter.DecisionAsync();
    }

    /// <summary>A request decided without a lane: by the failure mode, or by a call of its own (batching off, or limits across slots).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RateLimitDecision> DecideAloneAsync(BatchWaiter waiter, Memory<RateLimitDecision> decisionMemory, long localNow, CancellationToken cancellationToken)
    {
        try
        {
            var requestMemory = waiter.Requests;
            if (Unavailable())
            {
                return await FailureModeAsync(requestMemory, decisionMemory, waiter.Known, cancellationToken).ConfigureAwait(false);
            }

            if (InGrace(requestMemory.Span, localNow))
            {
                return await ShareAsync(requestMemory, decisionMemory, waiter.Known, cancellationToken).ConfigureAwait(false);
            }

            var count = requestMemory.Length;
            return await AcquireUnbatchedAsync(requestMemory, waiter.Keys[..count], waiter.Known, decisionMemory, localNow, count > 1 && !SameSlot(waiter.Keys, count), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            waiter.Return();
        }
    }

    /// <summary>Known to be over its limit until a moment that has not come: the denial, without a round trip. Fills <paramref name="keys"/> on the way.</summary>
    private RateLimitDecision? OverLimit(ReadOnlySpan<RateLimitRequest> requests, RedisKey[] keys, KnownKey[] known, long localNow)
    {
        for (var i = 0; i < requests.Length; i++)
        {
            known[i] = Known(requests[i].Key, requests[i].Limit);
            var stateKey = known[i].StateKey;
            keys[i] = stateKey;

            // (No IsEmpty guard: on an empty ConcurrentDictionary, IsEmpty takes every lock; TryGetValue takes none.)
            if (_options.OverLimitCache && _overLimit.TryGetValue(stateKey, out var until) && until > localNow)
            {
                Interlocked.Increment(ref _overLimitHits);
                var wait = _timeProvider.GetElapsedTime(localNow, until);
                return RateLimitDecision.Deny(requests[i].Limit, 0, wait.Ticks / 10, wait.Ticks / 10).WithLayer(requests[i].Layer);
            }
        }

        return null;
    }

    /// <summary>
    /// The request decided without its lane: one call of its own (batching off), or, when its keys span Cluster slots,
    /// the slot-by-slot check and consumption of <see cref="EvaluateAcrossSlotsAsync"/>.
    /// </summary>
    private async ValueTask<RateLimitDecision> AcquireUnbatchedAsync(ReadOnlyMemory<RateLimitRequest> requests, RedisKey[] keys, KnownKey[] known, Memory<RateLimitDecision> decisions, long localNow, bool acrossSlots, CancellationToken cancellationToken)
    {
        try
        {
            var reply = acrossSlots
                ? await EvaluateAcrossSlotsAsync(keys, requests).ConfigureAwait(false)
                : await EvaluateAsync(keys, Arguments(requests.Span, consume: true)).ConfigureAwait(false);
            Recovered();
            return Record(requests.Span, known, reply, 0, decisions.Span, localNow);
        }
        catch (Exception ex) when (Failed(ex, localNow, out var gone))
        {
            // Redis gone: the failure mode. One slow call: Redis may still count it, so it is not admitted from memory.
            return gone
                ? await FailureModeAsync(requests, decisions, known, cancellationToken).ConfigureAwait(false)
                : SlowCall(requests.Span, decisions.Span);
        }
    }

    /// <summary>
    /// Sends one batch as one script call and hands each waiter its part of the reply, or how the call failed (an
    /// outage or a slow call is counted once for the call, not once per request). Never throws.
    /// </summary>
    private async Task SendBatchAsync(List<BatchWaiter> batch)
    {
        var startedAt = _timeProvider.GetTimestamp();
        try
        {
            // No request waits longer than Timeout in all: the call gets what is left of the oldest one's (the first).
            var left = _options.Timeout - _timeProvider.GetElapsedTime(batch[0].EnqueuedAt, startedAt);
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"The requests waited {_options.Timeout} for the call before them.");
            }

            var keyCount = 0;
            foreach (var waiter in batch)
            {
                keyCount += waiter.Count;
            }

            var keys = new RedisKey[keyCount];
            var arguments = new RedisValue[2 + batch.Count + (keyCount * 6)];
            arguments[0] = _options.UseApplicationClock ? RateLimitAlgorithms.Now(_timeProvider) : 0;
            arguments[1] = 1;
            int k = 0, a = 2;
            foreach (var waiter in batch)
            {
                Array.Copy(waiter.Keys, 0, keys, k, waiter.Count);
                k += waiter.Count;
                a = Describe(waiter.Requests.Span, arguments, a);
            }

            var reply = await EvaluateAsync(keys, arguments, left).ConfigureAwait(false);
            Recovered();
            var offset = 0;
            foreach (var waiter in batch)
            {
                waiter.Answer(reply, offset);
                offset += waiter.Count * 4;
            }
        }
        catch (Exception ex)
        {
            var failure = Failed(ex, startedAt, out var gone) ? (gone ? BatchFailure.Gone : BatchFailure.Slow) : BatchFailure.Bug;
            foreach (var waiter in batch)
            {
                waiter.Answer(failure, ex);
            }
        }

        // The requests go on together on one pool thread, one after another: one hop per batch rather than one per
        // request, and the lane is free at once for the next batch (a request that blocks blocks only its batch's thread).
        ThreadPool.UnsafeQueueUserWorkItem(static release => release.Store.Release(release.Waiters), (Store: this, Waiters: batch.ToArray()), preferLocal: false);
    }

    /// <summary>Decides each request of a returned batch from its part of the reply (or how the call failed) and lets it go on, in order.</summary>
    private void Release(BatchWaiter[] waiters)
    {
        foreach (var waiter in waiters)
        {
            ValueTask<RateLimitDecision> decision;
            try
            {
                decision = waiter.Failure switch
                {
                    BatchFailure.None => new(Record(waiter.Requests.Span, waiter.Known, waiter.Reply!, waiter.Offset, waiter.Decisions.Span, waiter.EnqueuedAt)),
                    BatchFailure.Slow => new(SlowCall(waiter.Requests.Span, waiter.Decisions.Span)),
                    BatchFailure.Gone => FailureModeAsync(waiter.Requests, waiter.Decisions, waiter.Known, waiter.CancellationToken),
                    _ => ValueTask.FromException<RateLimitDecision>(waiter.Exception!),
                };
            }
            catch (Exception ex)
            {
                decision = ValueTask.FromException<RateLimitDecision>(ex);
            }

            if (decision.IsCompletedSuccessfully)
            {
                waiter.Complete(decision.Result);
            }
            else
            {
                _ = CompleteLaterAsync(waiter, decision);
            }
        }
    }

    private static async Task CompleteLaterAsync(BatchWaiter waiter, ValueTask<RateLimitDecision> decision)
    {
        try
        {
            waiter.Complete(await decision.ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            waiter.Fail(ex);
        }
    }

    /// <summary>The lane of the endpoint <paramref name="key"/> goes to: one for a single server, one per slot in a Cluster (a script's keys share a slot).</summary>
    private BatchLane Lane(RedisKey key)
    {
        var cluster = Volatile.Read(ref _cluster);
        if (cluster < 0)
        {
            // Known once connected (until then a call fails anyway); read again after every topology change.
            cluster = Array.Exists(_redis.GetServers(), static server => server.ServerType == ServerType.Cluster) ? 1 : 0;
            if (_redis.IsConnected)
            {
                Volatile.Write(ref _cluster, cluster);
            }
        }

        return cluster == 0 ? _lane : _slotLanes.GetOrAdd(_redis.HashSlot(key), static (_, store) => new BatchLane(store._send, store._options.MaxBatchSize), this);
    }

    /// <summary>The key's <see cref="StateKey"/> and what Redis last said of it, built once per key and limit (up to <see cref="MaxCachedKeys"/>).</summary>
    private KnownKey Known(string key, RateLimit limit)
    {
        if (!_stateKeys.TryGetValue(limit, out var keys))
        {
            keys = _stateKeys.GetOrAdd(limit, static _ => new ConcurrentDictionary<string, KnownKey>(StringComparer.Ordinal));
        }

        if (keys.TryGetValue(key, out var known))
        {
            return known;
        }

        known = new KnownKey(StateKey(key, limit));
        if (Interlocked.Increment(ref _cachedKeys) > MaxCachedKeys)
        {
            // Full: start over rather than track recency on the hot path; the keys in use come back at once.
            _stateKeys.Clear();
            Volatile.Write(ref _cachedKeys, 0);
            return known;
        }

        return keys.GetOrAdd(key, known);
    }

    /// <summary>
    /// Keys in different Cluster slots cannot share a script: each slot's limits are first checked without
    /// consuming, then, if all admit, consumed slot by slot. Between the two another request can take the last
    /// unit of one slot; then that slot denies while the others have consumed, the only place the store is not
    /// all-or-nothing.
    /// </summary>
    private async Task<long[]> EvaluateAcrossSlotsAsync(RedisKey[] keys, ReadOnlyMemory<RateLimitRequest> requests)
    {
        var groups = new Dictionary<int, List<int>>();
        for (var i = 0; i < keys.Length; i++)
        {
            var slot = _redis.HashSlot(keys[i]);
            if (!groups.TryGetValue(slot, out var members))
            {
                groups[slot] = members = [];
            }

            members.Add(i);
        }

        var merged = new long[keys.Length * 4];
        foreach (var consume in new[] { false, true })
        {
            var allAdmit = true;
            foreach (var members in groups.Values)
            {
                var groupKeys = members.Select(i => keys[i]).ToArray();
                var groupRequests = members.Select(i => requests.Span[i]).ToArray();
                var reply = await EvaluateAsync(groupKeys, Arguments(groupRequests, consume)).ConfigureAwait(false);
                for (var m = 0; m < members.Count; m++)
                {
                    Array.Copy(reply, m * 4, merged, members[m] * 4, 4);
                    allAdmit &= reply[m * 4] == 1;
                }
            }

            if (!allAdmit)
            {
                break;
            }
        }

        return merged;
    }

    private bool SameSlot(RedisKey[] keys, int count)
    {
        var first = _redis.HashSlot(keys[0]);
        for (var i = 1; i < count; i++)
        {
            if (_redis.HashSlot(keys[i]) != first)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One call of the batch script; after an outage, once what memory admitted meanwhile is counted in Redis.</summary>
    private Task<long[]> EvaluateAsync(RedisKey[] keys, RedisValue[] arguments, TimeSpan? timeout = null) =>
        PendingCarryBack() is { } carryBack ? EvaluateAfterAsync(carryBack, keys, arguments, timeout ?? _options.Timeout) : EvaluateNowAsync(keys, arguments, timeout);

    /// <summary>The call once <paramref name="carryBack"/> is done, with what is left of <paramref name="timeout"/>; its failure if it failed.</summary>
    private async Task<long[]> EvaluateAfterAsync(Task<Exception?> carryBack, RedisKey[] keys, RedisValue[] arguments, TimeSpan timeout)
    {
        var startedAt = _timeProvider.GetTimestamp();
        if (await carryBack.ConfigureAwait(false) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        var left = timeout - _timeProvider.GetElapsedTime(startedAt);
        if (left <= TimeSpan.Zero)
        {
            throw new TimeoutException($"The call waited {timeout} for the outage's admissions to be carried back to Redis.");
        }

        return await EvaluateNowAsync(keys, arguments, left).ConfigureAwait(false);
    }

    /// <summary>One call of the batch script, without waiting for a carrying back (which makes these calls itself).</summary>
    private async Task<long[]> EvaluateNowAsync(RedisKey[] keys, RedisValue[] arguments, TimeSpan? timeout = null)
    {
        Interlocked.Increment(ref _roundTrips);
        var result = await RedisScripts.EvaluateAsync(_redis.GetDatabase(), RedisScripts.BatchSha1, RedisScripts.Batch, keys, arguments, timeout ?? _options.Timeout, _timeProvider, CancellationToken.None).ConfigureAwait(false);
        return Values(result, keys.Length * 4);
    }

    /// <summary>The batch script's reply: <paramref name="count"/> decimal integers separated by spaces (Scripts/batch.lua).</summary>
    internal static long[] Values(RedisResult result, int count)
    {
        var text = ((ReadOnlyMemory<byte>)(RedisValue)result).Span;
        var values = new long[count];
        for (var i = 0; i < count; i++)
        {
            if (!System.Buffers.Text.Utf8Parser.TryParse(text, out values[i], out var consumed) || (consumed < text.Length && text[consumed] != (byte)' '))
            {
                throw new InvalidOperationException($"The batch script's reply holds {i} values where {count} were expected.");
            }

            text = text[Math.Min(consumed + 1, text.Length)..];
        }

        return text.IsEmpty
            ? values
            : throw new InvalidOperationException($"The batch script's reply holds more than the {count} values expected.");
    }

    /// <summary>ARGV of the batch script for one request of <paramref name="requests"/> (layout at the top of Scripts/batch.lua).</summary>
    internal RedisValue[] Arguments(ReadOnlySpan<RateLimitRequest> requests, bool consume)
    {
        var arguments = new RedisValue[3 + (requests.Length * 6)];
        arguments[0] = _options.UseApplicationClock ? RateLimitAlgorithms.Now(_timeProvider) : 0;
        arguments[1] = consume ? 1 : 0;
        Describe(requests, arguments, 2);
        return arguments;
    }

    /// <summary>Writes one request (its limit count, then six values per limit) at <paramref name="at"/>; returns where the next begins.</summary>
    private static int Describe(ReadOnlySpan<RateLimitRequest> requests, RedisValue[] arguments, int at)
    {
        arguments[at++] = requests.Length;
        foreach (var request in requests)
        {
            var limit = request.Limit;
            arguments[at] = (int)limit.Algorithm;
            arguments[at + 1] = limit.Count;
            arguments[at + 2] = limit.WindowMicroseconds;
            arguments[at + 3] = limit.Capacity;
            arguments[at + 4] = limit.GcraInterval;
            arguments[at + 5] = request.Cost;
            at += 6;
        }

        return at;
    }

    private RateLimitDecision Record(ReadOnlySpan<RateLimitRequest> requests, KnownKey[] known, long[] reply, int offset, Span<RateLimitDecision> decisions, long localNow)
    {
        for (var i = 0; i < requests.Length; i++)
        {
            decisions[i] = Decision(requests[i].Limit, reply, offset + (i * 4)).WithLayer(requests[i].Layer);
            known[i].Remember(decisions[i].Remaining, localNow + Timestamp(decisions[i].ResetAfter));
            // Only a one-unit request that found nothing left proves that no request fits before its retry time.
            if (_options.OverLimitCache && decisions[i].Reason == RateLimitDenialReason.LimitExceeded && requests[i].Cost == 1 && decisions[i].Remaining == 0)
            {
                RememberOverLimit(known[i].StateKey, localNow, decisions[i].RetryAfter);
            }
        }

        return RateLimitDecisions.Decisive(decisions);
    }

    private void RememberOverLimit(string key, long localNow, TimeSpan retryAfter)
    {
        if (_overLimit.Count >= _options.OverLimitCacheSize)
        {
            foreach (var (cachedKey, until) in _overLimit)
            {
                if (until <= localNow)
                {
                    _overLimit.TryRemove(cachedKey, out _);
                }
            }

            if (_overLimit.Count >= _options.OverLimitCacheSize)
            {
                return;
            }
        }

        _overLimit[key] = localNow + Timestamp(retryAfter);
    }

    private long Timestamp(TimeSpan span) => (long)(span.Ticks * (_timeProvider.TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    private static RateLimitDecision Decision(RateLimit limit, long[] reply, int at)
    {
        var outcome = reply[at];
        var remaining = reply[at + 1];
        var resetAfter = reply[at + 2];
        var retryAfter = reply[at + 3];
        return outcome switch
        {
            1 => RateLimitDecision.Allow(limit, remaining, resetAfter),
            2 => RateLimitDecision.Deny(limit, remaining, resetAfter, retryAfter),
            _ => RateLimitDecision.TooCostly(limit, remaining, resetAfter),
        };
    }

    private ValueTask<RateLimitDecision> FailureModeAsync(ReadOnlyMemory<RateLimitRequest> requests, Memory<RateLimitDecision> decisions, KnownKey[] known, CancellationToken cancellationToken) => _options.FailureMode switch
    {
        RedisFailureMode.FailOpen => new(AdmitAll(requests.Span, decisions.Span)),
        RedisFailureMode.FailClosed => new(RefuseAll(requests.Span, decisions.Span)),
        _ => ShareAsync(requests, decisions, known, cancellationToken),
    };

    /// <summary>The answer to a request whose own call timed out while Redis is still taken to be there.</summary>
    private RateLimitDecision SlowCall(ReadOnlySpan<RateLimitRequest> requests, Span<RateLimitDecision> decisions) =>
        _options.FailureMode == RedisFailureMode.FailOpen ? AdmitAll(requests, decisions) : RefuseAll(requests, decisions);

    private static RateLimitDecision AdmitAll(ReadOnlySpan<RateLimitRequest> requests, Span<RateLimitDecision> decisions)
    {
        for (var i = 0; i < requests.Length; i++)
        {
            var limit = requests[i].Limit;
            decisions[i] = new RateLimitDecision(true, limit.Count, limit.Count, TimeSpan.Zero, TimeSpan.Zero, RateLimitDenialReason.None, limit, requests[i].Layer);
        }

        return RateLimitDecisions.Decisive(decisions);
    }

    /// <summary>Denies every request because the store could not decide: no layer denied it, so it is no client's violation.</summary>
    private RateLimitDecision RefuseAll(ReadOnlySpan<RateLimitRequest> requests, Span<RateLimitDecision> decisions)
    {
        var wait = _options.RetryInterval;
        for (var i = 0; i < requests.Length; i++)
        {
            var limit = requests[i].Limit;
            decisions[i] = new RateLimitDecision(false, limit.Count, 0, wait, wait, RateLimitDenialReason.StoreUnavailable, limit, RateLimitLayer.None);
        }

        return RateLimitDecisions.Decisive(decisions);
    }

    /// <summary>
    /// Decides in memory with this instance's share of each limit (the limit divided by <c>Instances</c>, at least 1).
    /// A key Redis answered for in its current window starts from its share of what Redis said was left, not from a
    /// full share: what all instances admit in that window stays about the limit.
    /// </summary>
    private async ValueTask<RateLimitDecision> ShareAsync(ReadOnlyMemory<RateLimitRequest> requests, Memory<RateLimitDecision> decisions, KnownKey[] known, CancellationToken cancellationToken)
    {
        var shares = ArrayPool<RateLimitRequest>.Shared.Rent(requests.Length);
        try
        {
            var now = _timeProvider.GetTimestamp();
            for (var i = 0; i < requests.Length; i++)
            {
                var request = requests.Span[i];
                var share = _options.Instances == 1 ? request.Limit : Share(request.Limit);
                shares[i] = request with { Limit = share };
                if (known[i] is { } key && key.TrySeed(_outage.Outages, now, out var remaining))
                {
                    var left = remaining * share.Count / request.Limit.Count;
                    if (share.Count - left > 0)
                    {
                        await _fallback.AcquireAsync(request.Key, share, share.Count - left, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            var decision = await _fallback.AcquireAllAsync(shares.AsMemory(0, requests.Length), decisions, cancellationToken).ConfigureAwait(false);
            if (decision.IsAllowed)
            {
                Owe(requests.Span);
            }

            return decision;
        }
        finally
        {
            shares.AsSpan(0, requests.Length).Clear();
            ArrayPool<RateLimitRequest>.Shared.Return(shares);
        }
    }

    /// <summary>This instance's share of <paramref name="limit"/>, built once per limit.</summary>
    internal RateLimit Share(RateLimit limit)
    {
        if (_shares.TryGetValue(limit, out var share))
        {
            return share;
        }

        var instances = _options.Instances;
        share = new RateLimit(
            Math.Max(1, limit.Count / instances),
            limit.Window,
            limit.Algorithm,
            limit.Burst is { } burst ? Math.Max(1, burst / instances) : null);
        if (_shares.Count < MaxShares)
        {
            _shares[limit] = share;
        }

        return share;
    }

    /// <summary>
    /// Whether the failure mode answers now: during the rest after a failure, and while the outage's admissions are
    /// carried back (the first call after the rest starts that in the background, and memory goes on deciding until it
    /// is done: only then is the outage over).
    /// </summary>
    private bool Unavailable() => _outage.Resting || (_outage.IsDegraded && PendingCarryBack() is not null);

    /// <summary>
    /// Records a failed call begun at <paramref name="startedAt"/>: <see langword="false"/> for a bug (logged as an
    /// error and left to propagate), otherwise <see langword="true"/> with <paramref name="gone"/> telling an outage
    /// (the failure mode answers) from one slow call.
    /// </summary>
    private bool Failed(Exception exception, long startedAt, out bool gone)
    {
        var kind = RedisOutage.Classify(exception, _redis);
        if (kind == RedisFailureKind.Bug)
        {
            // Counted in floodgate.store.errors by whoever catches it (the middleware does), not twice.
            gone = false;
            Volatile.Write(ref _lastBug, new RedisCallFailure(exception, _timeProvider.GetTimestamp()));
            Log.StoreCallFailed(_logger, exception);
            return false;
        }

        Metrics?.StoreError(nameof(RedisRateLimitStore));
        gone = _outage.Fail(kind, startedAt, out var began);
        if (began)
        {
            Log.RedisUnavailable(_logger, _options.FailureMode, exception);
            DegradedChanged?.Invoke(true);
        }
        else if (!gone)
        {
            Log.SlowCall(_logger, _options.Timeout, _outage.Timeouts);
        }

        return true;
    }

    private void OnConnectionChanged(object? sender, ConnectionFailedEventArgs e) => _outage.RetryNow();

    private void OnEndpointChanged(object? sender, EndPointEventArgs e)
    {
        _outage.RetryNow();
        Volatile.Write(ref _cluster, -1);
    }

    private void Recovered()
    {
        if (_outage.IsDegraded)
        {
            // Before the outage ends, so that no call in between finds neither the outage nor the grace.
            BeginGrace();
        }

        if (_outage.Recover())
        {
            Log.RedisRecovered(_logger);
            DegradedChanged?.Invoke(false);
        }
    }
}
