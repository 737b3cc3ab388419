namespace Floodgate.Server.Tests;

/// <summary>The service process with Envoy's rate limit service on, reading the YAML files of its own directory.</summary>
internal sealed class RlsServer : IAsyncDisposable
{
    private RlsServer(ServerProcess process, string configDirectory, int grpcPort)
    {
        Process = process;
        ConfigDirectory = configDirectory;
        Client = new RlsClient(grpcPort);
    }

    public ServerProcess Process { get; }

    public string ConfigDirectory { get; }

    public RlsClient Client { get; }

    /// <summary>Writes <paramref name="files"/> (name → YAML) and starts a server on them; <paramref name="settings"/> add configuration keys.</summary>
    public static async Task<RlsServer> StartAsync(Dictionary<string, string> files, Dictionary<string, string>? settings = null, string? configDirectory = null)
    {
        configDirectory ??= Directory.CreateTempSubdirectory("floodgate-rls-").FullName;
        foreach (var (name, yaml) in files)
        {
            await WriteAsync(configDirectory, name, yaml);
        }

        var grpcPort = RedisServer.FreePort();
        var all = new Dictionary<string, string>(settings ?? [])
        {
            ["Floodgate:Envoy:Enabled"] = "true",
            ["Floodgate:Envoy:Address"] = "127.0.0.1",
            ["Floodgate:Envoy:Port"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Floodgate:Envoy:Config:0"] = configDirectory,
        };
        return new RlsServer(await ServerProcess.StartAsync(all), configDirectory, grpcPort);
    }

    /// <summary>Replaces a file at once (written beside it, then moved over it), as a deployment or a ConfigMap does.</summary>
    public static async Task WriteAsync(string directory, string name, string yaml)
    {
        var temporary = Path.Combine(directory, "." + name + ".tmp");
        await File.WriteAllTextAsync(temporary, yaml);
        File.Move(temporary, Path.Combine(directory, name), overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
    }
}
