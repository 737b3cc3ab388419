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
/// </summary>
public sealed partial class RedisRateLimitStore
{
    /// <summary>Most keys whose admissions during one outage are carried back; past it the others are not.</summary>
    private const int MaxOwedKeys = 100_000;

    private ConcurrentDictionary<(string Key, RateLimit Limit), long> _owed = new();
    private int _owedKeys;
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

    /// <summary>Redis answers again: carries the outage's admissions back in the background.</summary>
    private void StartCarryBack()
    {
        var owed = Interlocked.Exchange(ref _owed, new ConcurrentDictionary<(string Key, RateLimit Limit), long>());
        Volatile.Write(ref _owedKeys, 0);
        if (!owed.IsEmpty)
        {
            Volatile.Write(ref _carryBack, Task.Run(() => CarryBackAsync(owed)));
        }
    }

    private async Task CarryBackAsync(ConcurrentDictionary<(string Key, RateLimit Limit), long> owed)
    {
        var carried = 0;
        foreach (var ((key, limit), cost) in owed)
        {
            try
            {
                // All or nothing per call: what is owed, or else what is left (a denial reports it).
                var reply = await ConsumeInRedisAsync(key, limit, Math.Min(cost, limit.Capacity)).ConfigureAwait(false);
                if ((long)reply[0] != 1 && (long)reply[1] > 0)
                {
                    await ConsumeInRedisAsync(key, limit, (long)reply[1]).ConfigureAwait(false);
                }

                carried++;
            }
            catch (Exception ex) when (RedisOutage.Classify(ex, _redis) != RedisFailureKind.Bug)
            {
                // Gone again: what is left is owed to the next recovery.
                foreach (var ((restKey, restLimit), restCost) in owed.Skip(carried))
                {
                    Volatile.Read(ref _owed).AddOrUpdate((restKey, restLimit), restCost, (_, c) => c + restCost);
                }

                Log.CarryBackInterrupted(_logger, carried, owed.Count, ex);
                return;
            }
            catch (Exception ex)
            {
                Log.StoreCallFailed(_logger, ex);
                return;
            }
        }

        Log.CarriedBack(_logger, carried);
    }

    private async Task<RedisResult[]> ConsumeInRedisAsync(string key, RateLimit limit, long cost) =>
        await EvaluateAsync([Known(key, limit).StateKey], Arguments([new RateLimitRequest(key, limit, cost)], consume: true)).ConfigureAwait(false);
}
