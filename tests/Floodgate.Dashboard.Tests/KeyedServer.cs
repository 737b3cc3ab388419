namespace Floodgate.Dashboard.Tests;

/// <summary>A service of its own with an admin key, for the tests that need the key or stop and start the service.</summary>
public sealed class KeyedServer : IAsyncLifetime
{
    public const string AdminKey = "dashboard-admin-key";

    private ServerProcess? _server;

    internal ServerProcess Server => _server ?? throw new InvalidOperationException("The keyed server did not start.");

    public async ValueTask InitializeAsync() =>
        _server = await ServerProcess.StartAsync(new() { ["Floodgate:Admin:ApiKey"] = AdminKey });

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
