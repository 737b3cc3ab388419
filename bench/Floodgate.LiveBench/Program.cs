using System.Net.WebSockets;
using System.Text;

// Opens --listeners WebSockets on --url (a Floodgate /ws/global address), prints "connected" once all are open,
// reads every message on each until stdin closes or --seconds pass, then prints one line:
// "listeners=N messages=M dropped=D failed=F" (dropped: the sum of the counts in 'dropped' events received).
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

if (!options.TryGetValue("url", out var url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss"))
{
    Console.Error.WriteLine("usage: Floodgate.LiveBench --url ws://127.0.0.1:PORT/ws/global [--listeners 1000] [--seconds 600]");
    return 2;
}

var count = int.Parse(options.GetValueOrDefault("listeners", "1000"), System.Globalization.CultureInfo.InvariantCulture);
var seconds = int.Parse(options.GetValueOrDefault("seconds", "600"), System.Globalization.CultureInfo.InvariantCulture);
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
long messages = 0, dropped = 0, failed = 0;
var sockets = new List<ClientWebSocket>(count);
for (var i = 0; i < count; i++)
{
    var socket = new ClientWebSocket();
    socket.Options.KeepAliveInterval = TimeSpan.Zero;
    try
    {
        await socket.ConnectAsync(uri, stop.Token);
        sockets.Add(socket);
    }
    catch (Exception ex) when (ex is WebSocketException or HttpRequestException)
    {
        Interlocked.Increment(ref failed);
        socket.Dispose();
    }
}

Console.WriteLine($"connected {sockets.Count}");
var readers = sockets.Select(socket => Task.Run(async () =>
{
    var buffer = new byte[16 * 1024];
    try
    {
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, stop.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            if (result.EndOfMessage)
            {
                Interlocked.Increment(ref messages);
                var text = buffer.AsSpan(0, result.Count);
                if (text.IndexOf("\"type\":\"dropped\""u8) >= 0)
                {
                    var at = text.IndexOf("\"count\":"u8) + 8;
                    var end = at;
                    while (end < text.Length && text[end] is >= (byte)'0' and <= (byte)'9')
                    {
                        end++;
                    }

                    Interlocked.Add(ref dropped, long.Parse(Encoding.ASCII.GetString(text[at..end]), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }
    }
    catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
    {
    }
})).ToList();

// The script closes stdin to end the run.
_ = Task.Run(() =>
{
    Console.In.ReadToEnd();
    stop.Cancel();
});
await Task.WhenAll(readers);
Console.WriteLine($"listeners={sockets.Count} messages={messages} dropped={dropped} failed={failed}");
foreach (var socket in sockets)
{
    socket.Abort();
    socket.Dispose();
}

return 0;
