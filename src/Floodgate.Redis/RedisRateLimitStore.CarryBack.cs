using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// What memory admitted during an outage, carried back to Redis when it answers again: each key that memory admitted
/// for consumes as much in Redis, at most what is left there. Redis then counts what this instance let through while it
/// was away, so that after a failover or a network cut (Redis kept its state) a client does not get the rest of its
/// limit twice, once from memory and once again from Redis; after a restart that lost the state, the new window starts
/// from what was admitted during the outage instead of from nothing. The admissions are counted at the moment they are
/// carried back (Redis <c>TIME</c>): later than they happened, so a window holds them a little longer, never shorter.
/// Until the carrying back is done, calls to Redis wait for it (milliseconds: every key's call is sent at once), so that
/// Redis does not hand out what memory already gave to requests that arrive meanwhile.
/// </summary>
public sealed partial class RedisRateLimitStore
{
    /// <summary>Most keys whose admissions during one outage are carried back; past it the others are not.</summary>
    private const int MaxOwedKeys = 100_000;

    private ConcurrentDictionary<(string Key, RateLimit Limit), long> _owed = new();
    private int _owedKeys;
    private int _carryBackDue;
    private Task _carryBack = Task.CompletedTask;

    /// <summary>The last carrying back of an outage's admissions (for tests: it runs in the background).</summary>
    internal Task CarryBack => Volatile.Read(ref _carryBack);

    /// <summary>Notes what memory admitted for <paramref name="requests"/> during an outage.</summary>
    private void Owe(ReadOnlySpan<RateLimitRequest> requests)
    {
        var owed = Volatile.Read(ref _owed);
        foreach (var request in requests)
        {
            if (request.Cost == 0)
            {
                continue;
            }

            var key = (request.Key, request.Limit);
            if (owed.TryGetValue(key, out _) || Interlocked.Increment(ref _owedKeys) <= MaxOwedKeys)
            {
                owed.AddOrUpdate(key, static (_, cost) => cost, static (_, owedSoFar, cost) => owedSoFar + cost, request.Cost);
            }
        }
    }

    /// <summary>Redis answers again: carries what is owed back; decisions in Redis wait until that is done.</summary>
    private void StartCarryBack()
    {
        Volatile.Write(ref _carryBackDue, 0);
        var owed = Interlocked.Exchange(ref _owed, new ConcurrentDictionary<(string Key, RateLimit Limit), long>());
        Volatile.Write(ref _owedKeys, 0);
        if (!owed.IsEmpty)
        {
            Volatile.Write(ref _carryBack, CarryBackAsync(owed));
        }
    }

    /// <summary>After a successful call: carries back what an interrupted carrying back left, once the last one is done.</summary>
    private void CarryBackIfDue()
    {
        if (Volatile.Read(ref _carryBackDue) == 1 && Volatile.Read(ref _carryBack).IsCompleted)
        {
            StartCarryBack();
        }
    }

    /// <summary>All keys at once (the calls are pipelined), each all or nothing; never throws.</summary>
    private async Task CarryBackAsync(ConcurrentDictionary<(string Key, RateLimit Limit), long> owed)
    {
        await Task.Yield(); // the caller, a successful call, goes on at once
        var carried = await Task.WhenAll(owed.Select(entry => CarryBackAsync(entry.Key.Key, entry.Key.Limit, entry.Value))).ConfigureAwait(false);
        var done = carried.Count(c => c);
        if (done == carried.Length)
        {
            Log.CarriedBack(_logger, done);
        }
        else
        {
            Log.CarryBackInterrupted(_logger, done, carried.Length);
        }
    }

    /// <summary>Consumes <paramref name="cost"/> of <paramref name="key"/> in Redis, or what is left there; false when Redis was gone (the cost is owed again).</summary>
    private async Task<bool> CarryBackAsync(string key, RateLimit limit, long cost)
    {
        try
        {
            var reply = await ConsumeInRedisAsync(key, limit, Math.Min(cost, limit.Capacity)).ConfigureAwait(false);
            if ((long)reply[0] != 1 && (long)reply[1] > 0)
            {
                await ConsumeInRedisAsync(key, limit, (long)reply[1]).ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception ex) when (RedisOutage.Classify(ex, _redis) != RedisFailureKind.Bug)
        {
            Volatile.Read(ref _owed).AddOrUpdate((key, limit), static (_, owed) => owed, static (_, owedSoFar, owed) => owedSoFar + owed, cost);
            Volatile.Write(ref _carryBackDue, 1);
            return false;
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _lastBug, new RedisCallFailure(ex, _timeProvider.GetTimestamp()));
            Log.StoreCallFailed(_logger, ex);
            return true;
        }
    }

    private Task<RedisResult[]> ConsumeInRedisAsync(string key, RateLimit limit, long cost) =>
        EvaluateNowAsync([Known(key, limit).StateKey], Arguments([new RateLimitRequest(key, limit, cost)], consume: true));
}
