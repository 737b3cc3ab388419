using System.Net.WebSockets;
using System.Text;
using Floodgate.Server.Live;

namespace Floodgate.Server.Tests;

/// <summary>The connection under a live WebSocket: a batch of messages leaves in one write, each still its own message.</summary>
public sealed class FrameBatchingStreamTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MessagesOfABatch_LeaveInOneWrite_EachItsOwnMessage_InOrder()
    {
        var connection = new RecordingStream();
        await using var batching = new FrameBatchingStream(connection);
        using var server = WebSocket.CreateFromStream(batching, new WebSocketCreationOptions { IsServer = true });

        batching.OpenBatch();
        foreach (var text in new[] { "one", "two", "three" })
        {
            await server.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, Token);
        }

        Assert.Equal(0, connection.Writes);
        await batching.SendBatchAsync(Token);
        Assert.Equal(1, connection.Writes);

        await server.SendAsync("after"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, Token);
        Assert.Equal(2, connection.Writes);

        using var client = WebSocket.CreateFromStream(new MemoryStream(connection.ToArray()), new WebSocketCreationOptions { IsServer = false });
        var received = new List<string>();
        var buffer = new byte[64];
        for (var i = 0; i < 4; i++)
        {
            var result = await client.ReceiveAsync(buffer, Token);
            Assert.True(result.EndOfMessage);
            received.Add(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        Assert.Equal(["one", "two", "three", "after"], received);
    }

    [Fact]
    public async Task AnAbandonedBatch_IsNotSent_AndLaterFramesLeaveAtOnce()
    {
        var connection = new RecordingStream();
        await using var batching = new FrameBatchingStream(connection);

        batching.OpenBatch();
        await batching.WriteAsync("lost"u8.ToArray(), Token);
        batching.AbandonBatch();
        await batching.WriteAsync("close"u8.ToArray(), Token);
        await batching.SendBatchAsync(Token);

        Assert.Equal(1, connection.Writes);
        Assert.Equal("close", Encoding.UTF8.GetString(connection.ToArray()));
    }

    /// <summary>A connection that counts the writes it is given.</summary>
    private sealed class RecordingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
