using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Floodgate.Server.Tests;

/// <summary>
/// A listener on a live stream (Server-Sent Events or WebSocket) that collects the events it receives, in order,
/// and lets a test wait for the ones it expects.
/// </summary>
internal sealed class LiveListener : IAsyncDisposable
{
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly CancellationTokenSource _stop = new();
    private readonly IDisposable _connection;
    private Task _reading = Task.CompletedTask;

    private LiveListener(IDisposable connection) => _connection = connection;

    /// <summary>Opens <paramref name="path"/> (e.g. <c>/events</c>) as Server-Sent Events and checks the answer is a stream.</summary>
    public static async Task<LiveListener> SseAsync(HttpClient client, string path, string? adminKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (adminKey is not null)
        {
            request.Headers.Add("X-Admin-Key", adminKey);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var listener = new LiveListener(response);
        var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        listener._reading = listener.ReadSseAsync(stream);
        return listener;
    }

    /// <summary>Opens <paramref name="url"/> (e.g. <c>ws://127.0.0.1:5000/ws/global</c>) as a WebSocket.</summary>
    public static async Task<LiveListener> WebSocketAsync(Uri url, string? adminKey = null)
    {
        var socket = new ClientWebSocket();
        if (adminKey is not null)
        {
            socket.Options.SetRequestHeader("X-Admin-Key", adminKey);
        }

        await socket.ConnectAsync(url, TestContext.Current.CancellationToken);
        var listener = new LiveListener(socket);
        listener._reading = listener.ReadWebSocketAsync(socket);
        return listener;
    }

    /// <summary>
    /// Events in arrival order until one matches <paramref name="last"/>; fails after <paramref name="timeout"/>
    /// (10 s by default) with what was received.
    /// </summary>
    public async Task<List<JsonElement>> UntilAsync(Func<JsonElement, bool> last, TimeSpan? timeout = null)
    {
        var received = new List<JsonElement>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var item = await _events.Reader.ReadAsync(deadline.Token);
                received.Add(item);
                if (last(item))
                {
                    return received;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"The expected event did not arrive. Received {received.Count}:\n{string.Join('\n', received.Select(e => e.GetRawText()).TakeLast(20))}");
            throw;
        }
    }

    public static bool Is(JsonElement e, string type) => e.GetProperty("type").GetString() == type;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_connection is ClientWebSocket { State: WebSocketState.Open } socket)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }

        _connection.Dispose();
        try
        {
            await _reading;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or WebSocketException or HttpRequestException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task ReadSseAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? type = null;
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = JsonDocument.Parse(line[6..]).RootElement.Clone();
                Assert.Equal(type, data.GetProperty("type").GetString());
                _events.Writer.TryWrite(data);
            }
        }
    }

    private async Task ReadWebSocketAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        while (socket.State == WebSocketState.Open)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, _stop.Token);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            _events.Writer.TryWrite(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
        }
    }
}
