using System.Threading.Channels;

namespace Floodgate.Server.Live;

/// <summary>
/// One connected stream: its own bounded queue, filled by the hub and emptied by the connection. When the connection
/// cannot keep up, events that do not fit are dropped and counted; the next event it reads is preceded by a
/// <c>dropped</c> event with the count.
/// </summary>
internal sealed class LiveSubscription : IDisposable
{
    private readonly LiveHub _hub;
    private readonly Channel<LiveMessage> _queue;
    private long _dropped;
    private LiveMessage? _heldBack;

    public LiveSubscription(LiveHub hub, string? client, int queueSize)
    {
        _hub = hub;
        Client = client;
        _queue = Channel.CreateBounded<LiveMessage>(new BoundedChannelOptions(queueSize)
        {
            FullMode = BoundedChannelFullMode.Wait, // never waited on: TryWrite answers false when full
            SingleReader = true,
            SingleWriter = false,
        });
    }

    /// <summary>The client this stream follows; <see langword="null"/> for every client.</summary>
    public string? Client { get; }

    public bool Wants(LiveMessage message) => Client is null || message.Client is null || string.Equals(message.Client, Client, StringComparison.Ordinal);

    /// <summary>Queues <paramref name="message"/> without waiting; counts it as dropped when the queue is full.</summary>
    public void Offer(LiveMessage message)
    {
        if (!_queue.Writer.TryWrite(message))
        {
            Interlocked.Increment(ref _dropped);
            _hub.CountDropped();
        }
    }

    /// <summary>
    /// Waits at most <paramref name="idle"/> for a message to be queued; <see langword="false"/> when none came in that
    /// time or the stream ended. Read it with <see cref="TryNext"/>.
    /// </summary>
    public async ValueTask<bool> WaitAsync(TimeSpan idle, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(idle);
        try
        {
            return await _queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The next message if one is queued now (drops reported first), without waiting.</summary>
    public LiveMessage? TryNext()
    {
        if (_heldBack is { } heldBack)
        {
            _heldBack = null;
            return heldBack;
        }

        if (!_queue.Reader.TryRead(out var message))
        {
            return null;
        }

        var lost = Interlocked.Exchange(ref _dropped, 0);
        if (lost > 0)
        {
            _heldBack = message;
            return _hub.Message(new DroppedEvent(_hub.Now, lost));
        }

        return message;
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _hub.Unsubscribe(this);
    }
}
