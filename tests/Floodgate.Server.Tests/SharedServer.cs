[assembly: AssemblyFixture(typeof(Floodgate.Server.Tests.SharedServer))]

namespace Floodgate.Server.Tests;

/// <summary>
/// One server process for the tests that do not change its configuration. Each such test speaks as its own client
/// (a distinct X-API-Key from a loopback address of its own: an unverified key answers for its address too), so their
/// limits and bans never meet.
/// </summary>
public sealed class SharedServer : IAsyncLifetime
{
    private ServerProcess? _server;

    internal ServerProcess Server => _server ?? throw new InvalidOperationException("The shared server did not start.");

    public HttpClient Client => Server.Client;

    public async ValueTask InitializeAsync() => _server = await ServerProcess.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A fresh client identity for one test.</summary>
    public static string NewClient() => "test-" + Guid.NewGuid().ToString("N");

    /// <summary>Sends a request as <paramref name="client"/> (its API key, from its own address).</summary>
    public Task<HttpResponseMessage> SendAs(string client, HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-API-Key", client);
        return Server.ClientFor(client).SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Sends a request without any identifying header from <paramref name="machine"/>'s own address: the client is the address.</summary>
    public Task<HttpResponseMessage> SendFrom(string machine, HttpMethod method, string path) =>
        Server.ClientFor(machine).SendAsync(new HttpRequestMessage(method, path), TestContext.Current.CancellationToken);
}
