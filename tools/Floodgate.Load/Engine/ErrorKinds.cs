using System.Net.Http;
using System.Net.Sockets;

namespace Floodgate.Load.Engine;

/// <summary>Names and classifies transport failures.</summary>
internal static class ErrorKinds
{
    public static readonly int Count = Enum.GetValues<ErrorKind>().Length;

    public static string Name(ErrorKind kind) => kind switch
    {
        ErrorKind.Timeout => "timeout",
        ErrorKind.ConnectionRefused => "connection refused",
        ErrorKind.ConnectionReset => "connection reset",
        ErrorKind.Connection => "connection failed",
        ErrorKind.Protocol => "protocol error",
        ErrorKind.Cancelled => "cancelled",
        _ => "other",
    };

    /// <summary>The name of an unexpected status as an error kind, e.g. <c>HTTP 500</c>.</summary>
    public static string StatusName(int status) => "HTTP " + status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static ErrorKind Classify(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => ErrorKind.ConnectionRefused,
                    SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => ErrorKind.ConnectionReset,
                    SocketError.TimedOut => ErrorKind.Timeout,
                    _ => ErrorKind.Connection,
                };
            }
        }

        if (exception is HttpRequestException http)
        {
            return http.HttpRequestError switch
            {
                HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
                    or HttpRequestError.ProxyTunnelError => ErrorKind.Connection,
                HttpRequestError.ResponseEnded => ErrorKind.ConnectionReset,
                HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse or HttpRequestError.ConfigurationLimitExceeded
                    or HttpRequestError.VersionNegotiationError => ErrorKind.Protocol,
                _ => ErrorKind.Other,
            };
        }

        return exception is IOException ? ErrorKind.ConnectionReset : ErrorKind.Other;
    }
}
