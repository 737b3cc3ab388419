using System.Net;
using System.Net.Sockets;

namespace Floodgate.Server.Tests;

/// <summary>
/// A machine of its own on loopback: an <see cref="HttpClient"/> whose connections leave from one 127.x.y.z source
/// address, so that the service sees a distinct peer (Linux answers for all of 127.0.0.0/8).
/// </summary>
internal static class Machine
{
    /// <summary>A client to <paramref name="server"/> whose connections come from <paramref name="source"/>.</summary>
    public static HttpClient Client(ServerProcess server, string source, int connections = 1) =>
        new(Handler(IPAddress.Parse(source), connections)) { BaseAddress = server.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    private static SocketsHttpHandler Handler(IPAddress source, int connections) => new()
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseCookies = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
