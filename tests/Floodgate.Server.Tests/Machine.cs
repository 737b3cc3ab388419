using System.Net;

namespace Floodgate.Server.Tests;

/// <summary>
/// A machine of its own on loopback: an <see cref="HttpClient"/> whose connections leave from one 127.x.y.z source
/// address, so that the service sees a distinct peer (Linux answers for all of 127.0.0.0/8).
/// </summary>
internal static class Machine
{
    /// <summary>A client to <paramref name="server"/> whose connections come from <paramref name="source"/>.</summary>
    public static HttpClient Client(ServerProcess server, string source, int connections = 1) =>
        LoopbackClient.Create(server.Client.BaseAddress!, IPAddress.Parse(source), connections, TimeSpan.FromSeconds(60));
}
