using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// One request waiting in a <see cref="BatchLane"/>: its state keys and limits, once the batch it went out in returns
/// its part of the reply, and then its decision. It is itself what the caller awaits (the store's answer is a
/// <see cref="ValueTask{TResult}"/> on it, no state machine of the store's own), and it goes back to the pool when the
/// caller reads the decision. Pooled: a decision for a known key allocates nothing of its own for waiting.
/// </summary>
internal sealed class BatchWaiter : IValueTaskSource<RateLimitDecision>
{
    private const int MaxPooled = 1024;
    private static readonly ConcurrentQueue<BatchWaiter> s_pool = new();
    private static int s_pooled;

    // The request goes on inline on the thread that completes its batch (see the store's Release): one thread-pool hop per batch.
    private ManualResetValueTaskSourceCore<RateLimitDecision> _core = new() { RunContinuationsAsynchronously = false };

    /// <summary>The request's limits, in order.</summary>
    public ReadOnlyMemory<RateLimitRequest> Requests { get; private set; }

    /// <summary>The state key of each limit (the first <see cref="Count"/> entries).</summary>
    public RedisKey[] Keys { get; private set; } = new RedisKey[1];

    /// <summary>The known key of each limit, in order (the first <see cref="Count"/> entries).</summary>
    public KnownKey[] Known { get; private set; } = new KnownKey[1];

    /// <summary>When the request joined its lane (a timestamp of the store's clock).</summary>
    public long EnqueuedAt { get; set; }

    /// <summary>Where the request's decisions are written, one per limit.</summary>
    public Memory<RateLimitDecision> Decisions { get; set; }

    /// <summary>The caller's cancellation, for the failure mode.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>How many limits the request decides as one.</summary>
    public int Count => Requests.Length;

    /// <summary>The batch's reply, when <see cref="Failure"/> is <see cref="BatchFailure.None"/>.</summary>
    public long[]? Reply { get; private set; }

    /// <summary>Where this request's part of <see cref="Reply"/> begins.</summary>
    public int Offset { get; private set; }

    /// <summary>How the call ended.</summary>
    public BatchFailure Failure { get; private set; }

    /// <summary>The exception of a <see cref="BatchFailure.Bug"/>.</summary>
    public Exception? Exception { get; private set; }

    /// <summary>The one request of a single decision, and its decision (<see cref="RentSingle"/>).</summary>
    private readonly RateLimitRequest[] _single = new RateLimitRequest[1];

    /// <summary>Where a single decision's answer is written.</summary>
    public Memory<RateLimitDecision> SingleDecision { get; } = new RateLimitDecision[1];

    /// <summary>A waiter for one request, held in the waiter itself.</summary>
    public static BatchWaiter RentSingle(RateLimitRequest request)
    {
        var waiter = Rent(default);
        waiter._single[0] = request;
        waiter.Requests = waiter._single;
        return waiter;
    }

    public static BatchWaiter Rent(ReadOnlyMemory<RateLimitRequest> requests)
    {
        if (!s_pool.TryDequeue(out var waiter))
        {
            waiter = new BatchWaiter();
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }

        waiter.Requests = requests;
        if (waiter.Keys.Length < requests.Length)
        {
            waiter.Keys = new RedisKey[requests.Length];
            waiter.Known = new KnownKey[requests.Length];
        }

        return waiter;
    }

    /// <summary>The request's decision, once the batch it goes out in has returned and <see cref="Complete"/> was called.</summary>
    public ValueTask<RateLimitDecision> DecisionAsync() => new(this, _core.Version);

    /// <summary>Records the batch's reply; the store then decides and completes the request.</summary>
    public void Answer(long[] reply, int offset)
    {
        Reply = reply;
        Offset = offset;
        Failure = BatchFailure.None;
    }

    /// <summary>Records how the batch's call failed; the store then decides and completes the request.</summary>
    public void Answer(BatchFailure failure, Exception exception)
    {
        Failure = failure;
        Exception = exception;
    }

    /// <summary>Lets the request go on with <paramref name="decision"/>, on this thread.</summary>
    public void Complete(RateLimitDecision decision) => _core.SetResult(decision);

    /// <summary>Lets the request go on with <paramref name="exception"/>, on this thread.</summary>
    public void Fail(Exception exception) => _core.SetException(exception);

    /// <summary>Back to the pool, once the caller has read the answer.</summary>
    public void Return()
    {
        Requests = default;
        Decisions = default;
        CancellationToken = default;
        _single[0] = default;
        SingleDecision.Span[0] = default;
        Reply = null;
        Exception = null;
        Keys.AsSpan().Clear();
        Known.AsSpan().Clear();
        _core.Reset();
        if (Interlocked.Increment(ref s_pooled) <= MaxPooled)
        {
            s_pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
    }

    /// <summary>The decision; the waiter goes back to the pool (the caller reads it once, as a <see cref="ValueTask{TResult}"/> allows).</summary>
    RateLimitDecision IValueTaskSource<RateLimitDecision>.GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Return();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<RateLimitDecision>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<RateLimitDecision>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
