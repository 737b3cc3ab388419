namespace Floodgate.Server.Envoy;

/// <summary>The gRPC server's lifetime is the service's: no console handling (Ctrl+C, SIGTERM) of its own.</summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
