using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Floodgate.Load.Engine;

/// <summary>
/// The tool talks to this machine only. <see cref="IsLoopback"/> checks the target before a run, and
/// <see cref="ConnectAsync"/> (the handler's connect callback) checks again at every connection: it connects to
/// loopback addresses only and never asks DNS (<c>localhost</c> is 127.0.0.1, then [::1]).
/// </summary>
internal static class LoopbackOnly
{
    public static bool IsLoopback(Uri url) => Addresses(url.IdnHost) is { Length: > 0 };

    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = Addresses(host);
        if (addresses.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"Refused to connect to '{host}': not a loopback address.");
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    /// <summary>The loopback addresses a host name stands for; empty when it is not one.</summary>
    internal static IPAddress[] Addresses(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            if (IPAddress.IsLoopback(address))
            {
                return [address];
            }
        }

        return [];
    }
}
