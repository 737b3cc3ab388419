using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// One request waiting in a <see cref="BatchLane"/>: its state keys and limits, and, once the batch it went out in
/// returns, its part of the reply. Pooled: a decision for a known key allocates nothing of its own for waiting.
/// </summary>
internal sealed class BatchWaiter : IValueTaskSource
{
    private const int MaxPooled = 1024;
    private static readonly ConcurrentQueue<BatchWaiter> s_pool = new();
    private static int s_pooled;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

    /// <summary>The request's limits, in order.</summary>
    public ReadOnlyMemory<RateLimitRequest> Requests { get; private set; }

    /// <summary>The state key of each limit (the first <see cref="Count"/> entries).</summary>
    public RedisKey[] Keys { get; private set; } = new RedisKey[1];

    /// <summary>When the request joined its lane (a timestamp of the store's clock).</summary>
    public long EnqueuedAt { get; set; }

    /// <summary>How many limits the request decides as one.</summary>
    public int Count => Requests.Length;

    /// <summary>The batch's reply, when <see cref="Failure"/> is <see cref="BatchFailure.None"/>.</summary>
    public RedisResult[]? Reply { get; private set; }

    /// <summary>Where this request's part of <see cref="Reply"/> begins.</summary>
    public int Offset { get; private set; }

    /// <summary>How the call ended.</summary>
    public BatchFailure Failure { get; private set; }

    /// <summary>The exception of a <see cref="BatchFailure.Bug"/>.</summary>
    public Exception? Exception { get; private set; }

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
        }

        return waiter;
    }

    /// <summary>Waits for the batch this request goes out in.</summary>
    public ValueTask WaitAsync() => new(this, _core.Version);

    public void Complete(RedisResult[] reply, int offset)
    {
        Reply = reply;
        Offset = offset;
        Failure = BatchFailure.None;
        _core.SetResult(true);
    }

    public void Fail(BatchFailure failure, Exception exception)
    {
        Failure = failure;
        Exception = exception;
        _core.SetResult(true);
    }

    /// <summary>Back to the pool, once the caller has read the answer.</summary>
    public void Return()
    {
        Requests = default;
        Reply = null;
        Exception = null;
        Keys.AsSpan().Clear();
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

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
