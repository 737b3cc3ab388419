using Floodgate.Algorithms;

namespace Floodgate.Storage;

public sealed partial class InMemoryRateLimitStore
{
    [ThreadStatic]
    private static Entry[]? t_batchEntries;

    /// <inheritdoc />
    protected override ValueTask<RateLimitDecision> AcquireAllCoreAsync(ReadOnlyMemory<RateLimitRequest> requests, Memory<RateLimitDecision> decisions, CancellationToken cancellationToken) =>
        new(AcquireAllChecked(requests.Span, decisions.Span));

    /// <summary>
    /// The synchronous form of <see cref="RateLimitStore.AcquireAllAsync"/>: locks every entry of the batch (in a fixed
    /// order, so batches never deadlock), decides all without consuming, and consumes only when all admit.
    /// </summary>
    public RateLimitDecision AcquireAll(ReadOnlySpan<RateLimitRequest> requests, Span<RateLimitDecision> decisions)
    {
        ThrowIfInvalid(requests, decisions.Length);
        return AcquireAllChecked(requests, decisions);
    }

    private RateLimitDecision AcquireAllChecked(ReadOnlySpan<RateLimitRequest> requests, Span<RateLimitDecision> decisions)
    {
        if (requests.Length == 1)
        {
            var single = AcquireCore(requests[0].Key, requests[0].Limit, requests[0].Cost).WithLayer(requests[0].Layer);
            decisions[0] = single;
            return single;
        }

        return AcquireAllCore(requests, decisions[..requests.Length]);
    }

    private RateLimitDecision AcquireAllCore(ReadOnlySpan<RateLimitRequest> requests, Span<RateLimitDecision> decisions)
    {
        var count = requests.Length;
        var entries = t_batchEntries ??= new Entry[MaxBatchSize];
        Span<int> order = stackalloc int[count];
        var now = RateLimitAlgorithms.Now(_timeProvider);
        try
        {
            while (true)
            {
                for (var i = 0; i < count; i++)
                {
                    var hash = Hash(requests[i].Key, requests[i].Limit);
                    entries[i] = Find(requests[i].Key, requests[i].Limit, hash) ?? Add(requests[i].Key, requests[i].Limit, hash, now);
                    order[i] = i;
                }

                SortById(order, entries);
                var locked = 0;
                var stale = false;
                try
                {
                    for (; locked < count; locked++)
                    {
                        var entry = entries[order[locked]];
                        if (locked > 0 && ReferenceEquals(entry, entries[order[locked - 1]]))
                        {
                            continue; // the same (key, limit) twice: one lock, taken already
                        }

                        entry.Enter();
                        if (entry.Removed)
                        {
                            locked++;
                            stale = true;
                            break;
                        }
                    }

                    if (!stale)
                    {
                        return DecideLocked(requests, decisions, entries, now);
                    }
                }
                finally
                {
                    for (var i = locked - 1; i >= 0; i--)
                    {
                        if (i == 0 || !ReferenceEquals(entries[order[i]], entries[order[i - 1]]))
                        {
                            entries[order[i]].Exit();
                        }
                    }
                }
            }
        }
        finally
        {
            entries.AsSpan(0, count).Clear();
        }
    }

    private static RateLimitDecision DecideLocked(ReadOnlySpan<RateLimitRequest> requests, Span<RateLimitDecision> decisions, Entry[] entries, long now)
    {
        var allAdmitted = true;
        for (var i = 0; i < requests.Length; i++)
        {
            var request = requests[i];
            decisions[i] = RateLimitAlgorithms.Decide(ref entries[i].State, request.Limit, now, request.Cost, consume: false, out _).WithLayer(request.Layer);
            allAdmitted &= decisions[i].IsAllowed;
        }

        if (allAdmitted)
        {
            for (var i = 0; i < requests.Length; i++)
            {
                var request = requests[i];
                decisions[i] = RateLimitAlgorithms.Decide(ref entries[i].State, request.Limit, now, request.Cost, consume: true, out var expiresAt).WithLayer(request.Layer);
                Volatile.Write(ref entries[i].ExpiresAt, expiresAt);
            }
        }

        return RateLimitDecisions.Decisive(decisions);
    }

    private static void SortById(Span<int> order, Entry[] entries)
    {
        for (var i = 1; i < order.Length; i++)
        {
            var current = order[i];
            var j = i - 1;
            while (j >= 0 && entries[order[j]].Id > entries[current].Id)
            {
                order[j + 1] = order[j];
                j--;
            }

            order[j + 1] = current;
        }
    }
}
