namespace Floodgate.Server.Tests;

/// <summary>
/// A request body made while it is sent, never held whole: <c>head</c>, then <c>padding</c> bytes of whitespace,
/// then <c>tail</c>. Not seekable, so HttpClient sends it chunked (no Content-Length). Counts what was read from it.
/// </summary>
internal sealed class GeneratedBody(byte[] head, long padding, byte[] tail) : Stream
{
    private long _position;

    /// <summary>Bytes taken from the body so far (by the sender, so at most what reached the server plus socket buffers).</summary>
    public long Produced => Interlocked.Read(ref _position);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = head.Length + padding + tail.Length;
        var position = Interlocked.Read(ref _position);
        var n = (int)Math.Min(buffer.Length, total - position);
        for (var i = 0; i < n; i++)
        {
            var at = position + i;
            buffer[i] = at < head.Length ? head[at] : at < head.Length + padding ? (byte)' ' : tail[at - head.Length - padding];
        }

        Interlocked.Add(ref _position, n);
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
