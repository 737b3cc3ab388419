using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// What memory admitted during an outage, carried back to Redis before Redis decides again: each key that memory
/// admitted for consumes as much in Redis, at most what is left there. Redis then counts what this instance let through
/// while it was away, so that after a failover or a network cut (Redis kept its state) a client does not get the rest
/// of its limit twice, once from memory and once again from Redis; after a restart that lost the state, the new window
/// starts from what was admitted during the outage instead of from nothing. The admissions are counted at the moment
/// they are carried back (Redis <c>TIME</c>): later than they happened, so a window holds them a little longer, never
/// shorter.
/// <para>
/// When the rest after a failure ends and something is owed, the first call starts the carrying back (every key's call
/// at once, in the background) instead of a call of its own, and memory goes on deciding until it is done: it is the
/// try that tells whether Redis is back, and only a finished carrying back ends the outage. One that Redis does not
/// let finish (gone again, or too slow) extends the outage by a rest, and what it did not carry is owed again for the
/// next try. Admissions owed outside an outage (the grace below) are carried back before the next call to Redis,
/// which waits for it. Redis therefore never decides for a key while what memory gave it is still uncounted there.
/// </para>
/// <para>
/// Instances do not come back at the same moment (each tries again on its own clock): while this one is back and
/// another still decides in memory, Redis does not know what the other's memory gives. So the keys memory decided
/// during the outage stay with memory, within this instance's share, for a grace period after it ends
/// (<c>RetryInterval</c> + 2 × <c>Timeout</c>: by then every instance that Redis answers is back and has carried back
/// its own); what memory admits meanwhile is carried back like the outage's. Other keys go to Redis at once. (With
/// one instance there is nobody to wait for: no grace.)
/// </para>
/// </summary>
public sealed partial class RedisRateLimitStore
{
    /// <summary>Most keys whose admissions during one outage are carried back; past it the others are not.</summary>
    private const int MaxOwedKeys = 100_000;

    /// <summary>Most rounds of one carrying back: the keys a settling connection refused while others went through are tried again.</summary>
    private const int MaxCarryBackRounds = 5;

    private readonly Lock _carryBackGate = new();
    private ConcurrentDictionary<(string Key, RateLimit Limit), byte> _outageKeys = new();
    private int _outageKeyCount;
    private ConcurrentDictionary<(string Key, RateLimit Limit), byte> _graceKeys = new();
    private long _graceUntil;
    private ConcurrentDictionary<(string Key, RateLimit Limit), long> _owed = new();
    private int _owedKeys;
    private Task<Exception?> _carryBack = Task.FromResult<Exception?>(null);

    /// <summary>Whether no carrying back is under way (for tests: it runs in the background).</summary>
    internal bool CarryBackDone => Volatile.Read(ref _carryBack).IsCompleted;

    /// <summary>Notes what memory admitted for <paramref name="requests"/> during an outage.</summary>
    private void Owe(ReadOnlySpan<RateLimitRequest> requests)
    {
        foreach (var request in requests)
        {
            Owe(request.Key, request.Limit, request.Cost);
        }
    }

    private void Owe(string key, RateLimit limit, long cost)
    {
        if (cost == 0)
        {
            return;
        }

        // The count is also the sign that something is owed (read on every call to Redis: one read, no lock).
        var owed = Volatile.Read(ref _owed);
        if (owed.TryGetValue((key, limit), out _) || Interlocked.Increment(ref _owedKeys) <= MaxOwedKeys)
        {
            owed.AddOrUpdate((key, limit), static (_, cost) => cost, static (_, owedSoFar, cost) => owedSoFar + cost, cost);
            if (_outage.IsDegraded && Volatile.Read(ref _outageKeyCount) < MaxOwedKeys && Volatile.Read(ref _outageKeys).TryAdd((key, limit), 0))
            {
                Interlocked.Increment(ref _outageKeyCount);
            }
        }
    }

    /// <summary>The outage is over: its keys stay with memory for the grace period.</summary>
    private void BeginGrace()
    {
        var keys = Interlocked.Exchange(ref _outageKeys, new ConcurrentDictionary<(string Key, RateLimit Limit), byte>());
        Volatile.Write(ref _outageKeyCount, 0);
        if (keys.IsEmpty || _options.Instances == 1)
        {
            return;
        }

        Volatile.Write(ref _graceKeys, keys);
        var grace = _options.RetryInterval + _options.Timeout + _options.Timeout;
        Volatile.Write(ref _graceUntil, _timeProvider.GetTimestamp() + Timestamp(grace));
    }

    /// <summary>Whether one of <paramref name="requests"/> is a key memory decided during the outage that ended less than the grace period ago.</summary>
    private bool InGrace(ReadOnlySpan<RateLimitRequest> requests, long localNow)
    {
        if (Volatile.Read(ref _graceUntil) <= localNow)
        {
            return false;
        }

        var keys = Volatile.Read(ref _graceKeys);
        foreach (var request in requests)
        {
            if (keys.ContainsKey((request.Key, request.Limit)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The carrying back a call to Redis must wait for: the one under way, or one started now when something is owed;
    /// <see langword="null"/> when there is nothing to wait for.
    /// </summary>
    private Task<Exception?>? PendingCarryBack()
    {
        var current = Volatile.Read(ref _carryBack);
        if (!current.IsCompleted)
        {
            return current;
        }

        if (Volatile.Read(ref _owedKeys) == 0)
        {
            return null;
        }

        lock (_carryBackGate)
        {
            if (_carryBack.IsCompleted && Volatile.Read(ref _owedKeys) != 0)
            {
                var owed = Interlocked.Exchange(ref _owed, new ConcurrentDictionary<(string Key, RateLimit Limit), long>());
                Volatile.Write(ref _owedKeys, 0);
                Volatile.Write(ref _carryBack, CarryBackAsync(owed));
            }

            return _carryBack;
        }
    }

    /// <summary>
    /// All keys at once (the calls are pipelined), each all or nothing. The keys that failed while others went through
    /// (a connection still settling on a new primary) are tried again at once, up to <see cref="MaxCarryBackRounds"/>
    /// rounds within <c>Timeout</c>. Ends the outage when every key is carried; otherwise the outage goes on (its rest
    /// begins again), what was not carried is owed again, and the first failure is the answer of the calls that waited.
    /// </summary>
    private async Task<Exception?> CarryBackAsync(ConcurrentDictionary<(string Key, RateLimit Limit), long> owed)
    {
        await Task.Yield(); // out of the gate at once: the calls are sent from a pool thread
        var startedAt = _timeProvider.GetTimestamp();
        var pending = owed.ToArray();
        for (var round = 1; ; round++)
        {
            var failures = await Task.WhenAll(pending.Select(entry => CarryBackAsync(entry.Key.Key, entry.Key.Limit, entry.Value, startedAt))).ConfigureAwait(false);
            var failed = pending.Where((_, i) => failures[i] is not null).ToArray();
            if (failed.Length == 0)
            {
                Log.CarriedBack(_logger, owed.Count);
                Recovered();
                return null;
            }

            if (failed.Length == pending.Length || round == MaxCarryBackRounds || _timeProvider.GetElapsedTime(startedAt) >= _options.Timeout)
            {
                foreach (var ((key, limit), cost) in failed)
                {
                    Owe(key, limit, cost);
                }

                Log.CarryBackInterrupted(_logger, owed.Count - failed.Length, owed.Count);
                var failure = failures.First(failure => failure is not null)!;
                if (_outage.IsDegraded)
                {
                    // No call waited for it (memory decides meanwhile): the outage goes on from here.
                    Failed(failure, startedAt, out _);
                }

                return failure;
            }

            pending = failed;
        }
    }

    /// <summary>
    /// Consumes <paramref name="cost"/> of <paramref name="key"/> in Redis, or what is left there, within <c>Timeout</c>
    /// of <paramref name="startedAt"/>; the failure when Redis was gone or too slow, else null.
    /// </summary>
    private async Task<Exception?> CarryBackAsync(string key, RateLimit limit, long cost, long startedAt)
    {
        try
        {
            var reply = await ConsumeInRedisAsync(key, limit, Math.Min(cost, limit.Capacity), startedAt).ConfigureAwait(false);
            if (reply[0] != 1 && reply[1] > 0)
            {
                await ConsumeInRedisAsync(key, limit, reply[1], startedAt).ConfigureAwait(false);
            }

            return null;
        }
        catch (Exception ex) when (RedisOutage.Classify(ex, _redis) != RedisFailureKind.Bug)
        {
            // Owed again by the caller. A slow call may have counted it: counted twice, it only denies sooner.
            return ex;
        }
        catch (Exception ex)
        {
            // Not Redis's doing (a script error): owing it again would fail the same way forever.
            Volatile.Write(ref _lastBug, new RedisCallFailure(ex, _timeProvider.GetTimestamp()));
            Log.StoreCallFailed(_logger, ex);
            return null;
        }
    }

    private Task<long[]> ConsumeInRedisAsync(string key, RateLimit limit, long cost, long startedAt)
    {
        var left = _options.Timeout - _timeProvider.GetElapsedTime(startedAt);
        return left <= TimeSpan.Zero
            ? Task.FromException<long[]>(new TimeoutException($"Carrying back the outage's admissions took longer than {_options.Timeout}."))
            : EvaluateNowAsync([Known(key, limit).StateKey], Arguments([new RateLimitRequest(key, limit, cost)], consume: true), left);
    }
}
