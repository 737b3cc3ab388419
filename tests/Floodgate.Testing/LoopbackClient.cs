using System.Net;
using System.Net.Sockets;

namespace Floodgate.Testing;

/// <summary>HTTP clients whose connections come from a chosen loopback address, so that tests see distinct machines.</summary>
public static class LoopbackClient
{
    private static int s_next;

    /// <summary>
    /// A client for <paramref name="baseAddress"/> whose connections (at most <paramref name="connections"/>, kept open)
    /// come from <paramref name="localAddress"/> (any 127.x.y.z).
    /// </summary>
    public static HttpClient Create(Uri baseAddress, IPAddress localAddress, int connections = int.MaxValue, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(localAddress, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    /// <summary>A loopback address no other caller in this process got: 127.1.0.1, 127.1.0.2, ...</summary>
    public static IPAddress NextAddress()
    {
        var n = Interlocked.Increment(ref s_next);
        return new IPAddress([127, (byte)(1 + (n >> 16)), (byte)(n >> 8), (byte)n]);
    }
}
