using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Floodgate.Storage;

namespace Floodgate.Benchmarks;

/// <summary>
/// Runs one kind of decision over a slice of the key array. Each benchmark builds one loop in its setup; the loop is
/// generic over a struct operation, so the JIT specialises it and the operation is inlined: no delegate or virtual call
/// per decision, only one per slice.
/// </summary>
internal abstract class DecisionLoop(string[] keys)
{
    public string[] Keys { get; } = keys;

    /// <summary>Runs <paramref name="count"/> decisions, cycling through the keys from <paramref name="start"/>; returns how many were admitted.</summary>
    public abstract long Run(int start, int count);
}

/// <summary>One decision for one key; <see langword="true"/> when admitted.</summary>
internal interface IDecision
{
    bool Decide(string key);
}

internal sealed class DecisionLoop<TDecision>(string[] keys, TDecision decision) : DecisionLoop(keys)
    where TDecision : struct, IDecision
{
    private readonly TDecision _decision = decision;

    public override long Run(int start, int count)
    {
        var keys = Keys;
        var decision = _decision;
        var i = start;
        long admitted = 0;
        for (var n = 0; n < count; n++)
        {
            if (decision.Decide(keys[i]))
            {
                admitted++;
            }

            if (++i == keys.Length)
            {
                i = 0;
            }
        }

        return admitted;
    }
}

/// <summary>The floor: one lookup and one in-place update of a <see cref="ConcurrentDictionary{TKey,TValue}"/>.</summary>
internal readonly struct FloorDecision(ConcurrentDictionary<string, long> counters) : IDecision
{
    public bool Decide(string key) => counters.AddOrUpdate(key, 1, static (_, count) => count + 1) > 0;
}

/// <summary>Floodgate's synchronous fast path.</summary>
internal readonly struct StoreDecision(InMemoryRateLimitStore store, RateLimit limit) : IDecision
{
    public bool Decide(string key) => store.Acquire(key, limit).IsAllowed;
}

/// <summary>Floodgate through <see cref="IRateLimitStore.AcquireAsync"/>, as middleware calls it (it completes synchronously).</summary>
internal readonly struct StoreAsyncDecision(IRateLimitStore store, RateLimit limit) : IDecision
{
    public bool Decide(string key)
    {
        var pending = store.AcquireAsync(key, limit);
        return pending.IsCompletedSuccessfully ? pending.Result.IsAllowed : pending.AsTask().GetAwaiter().GetResult().IsAllowed;
    }
}

/// <summary>One built-in limiter instance for the one hot key.</summary>
internal readonly struct LimiterDecision(RateLimiter limiter) : IDecision
{
    public bool Decide(string key)
    {
        using var lease = limiter.AttemptAcquire(1);
        return lease.IsAcquired;
    }
}

/// <summary>The built-in keyed limiter.</summary>
internal readonly struct PartitionedDecision(PartitionedRateLimiter<string> limiter) : IDecision
{
    public bool Decide(string key)
    {
        using var lease = limiter.AttemptAcquire(key, 1);
        return lease.IsAcquired;
    }
}
