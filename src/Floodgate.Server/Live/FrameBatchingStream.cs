using System.Buffers;

namespace Floodgate.Server.Live;

/// <summary>
/// The connection under a live WebSocket: while a batch is open, the frames the WebSocket writes are gathered and go
/// out in one write when <see cref="SendBatchAsync"/> closes it. A listener under a flood then costs one write per
/// batch instead of one per event; each event is still its own WebSocket message. Frames written outside a batch
/// (pings, pongs, the close) go out at once, never in the middle of another write.
/// </summary>
internal sealed class FrameBatchingStream(Stream inner) : Stream
{
    // Past this, the buffer of a batch that grew large (a listener catching up) is let go after it is sent.
    private const int KeptCapacity = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private ArrayBufferWriter<byte>? _batch;
    private bool _open;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Gathers what is written from now on, until <see cref="SendBatchAsync"/>.</summary>
    public void OpenBatch()
    {
        lock (_gate)
        {
            _open = true;
            _batch ??= new ArrayBufferWriter<byte>(4096);
        }
    }

    /// <summary>Closes the batch and writes what it gathered, in one write.</summary>
    public async ValueTask SendBatchAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ArrayBufferWriter<byte>? batch;
            lock (_gate)
            {
                // Closed first: nothing is added while it is written, later frames wait for the write.
                _open = false;
                batch = _batch;
            }

            if (batch is not { WrittenCount: > 0 })
            {
                return;
            }

            await inner.WriteAsync(batch.WrittenMemory, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (batch.Capacity > KeptCapacity)
                {
                    _batch = null;
                }
                else
                {
                    batch.ResetWrittenCount();
                }
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Closes the batch without sending it (the stream ended mid-batch): later frames go out at once.</summary>
    public void AbandonBatch()
    {
        lock (_gate)
        {
            _open = false;
            _batch = null;
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_open)
            {
                _batch!.Write(buffer.Span);
                return ValueTask.CompletedTask;
            }
        }

        return WriteAtOnceAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        lock (_gate)
        {
            if (_open)
            {
                _batch!.Write(buffer.AsSpan(offset, count));
                return;
            }
        }

        inner.Write(buffer, offset, count);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        _writing.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _writing.Dispose();
        }

        base.Dispose(disposing);
    }

    private async ValueTask WriteAtOnceAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }
}
