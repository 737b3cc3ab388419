namespace Floodgate.Redis;

/// <summary>
/// Requests bound for one Redis endpoint (one Cluster slot): a request that finds no call in flight goes out at
/// once, alone; requests that arrive while a call is in flight wait for it and go out together in the next call, up
/// to <c>MaxBatchSize</c>, in arrival order. No timer: a batch is whatever arrived during the previous round trip.
/// </summary>
internal sealed class BatchLane(Func<List<BatchWaiter>, Task> send, int maxBatchSize)
{
    private readonly Lock _gate = new();
    private readonly Queue<BatchWaiter> _waiting = new();
    private readonly List<BatchWaiter> _batch = new(maxBatchSize);
    private bool _busy;

    public void Enqueue(BatchWaiter waiter)
    {
        lock (_gate)
        {
            if (_busy)
            {
                _waiting.Enqueue(waiter);
                return;
            }

            _busy = true;
        }

        // Only the lane's own loop touches _batch while _busy is set.
        _batch.Add(waiter);
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        while (true)
        {
            // send completes every waiter of the batch, whatever happens: it never throws.
            await send(_batch).ConfigureAwait(false);
            _batch.Clear();
            lock (_gate)
            {
                while (_batch.Count < maxBatchSize && _waiting.TryDequeue(out var next))
                {
                    _batch.Add(next);
                }

                if (_batch.Count == 0)
                {
                    _busy = false;
                    return;
                }
            }
        }
    }
}
