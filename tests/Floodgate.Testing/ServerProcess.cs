using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Floodgate.Testing;

/// <summary>
/// The real service as its own process (<c>dotnet Floodgate.Server.dll</c>) on a free loopback port, with its
/// appsettings.json and a policy database in a temporary directory. It can be stopped and started again with the
/// same database, and several can share one Redis. The service's tests and the dashboard's browser tests both use it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly string[] _arguments;
    private readonly List<string> _output = [];
    private readonly ConcurrentDictionary<string, HttpClient> _machines = new(StringComparer.Ordinal);
    private Process? _process;

    private ServerProcess(string directory, int port, string[] arguments)
    {
        Directory = directory;
        Port = port;
        _arguments = arguments;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Directory { get; }

    public int Port { get; }

    public HttpClient Client { get; }

    /// <summary>
    /// A client that connects from a loopback address of its own (127.1.x.y), the same one for the same
    /// <paramref name="machine"/> name: a distinct machine, as the limiter sees it.
    /// </summary>
    public HttpClient ClientFor(string machine) =>
        _machines.GetOrAdd(machine, static (_, baseAddress) => LoopbackClient.Create(baseAddress, LoopbackClient.NextAddress()), Client.BaseAddress!);

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (any 127.x.y.z).</summary>
    public HttpClient ClientFrom(string localAddress) =>
        _machines.GetOrAdd("@" + localAddress, static (address, baseAddress) => LoopbackClient.Create(baseAddress, System.Net.IPAddress.Parse(address[1..])), Client.BaseAddress!);

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts a server; <paramref name="settings"/> are configuration keys such as <c>Floodgate:Admin:ApiKey</c>.</summary>
    public static async Task<ServerProcess> StartAsync(Dictionary<string, string>? settings = null, string? directory = null)
    {
        directory ??= System.IO.Directory.CreateTempSubdirectory("floodgate-server-").FullName;
        var arguments = (settings ?? []).Select(kv => $"--{kv.Key}={kv.Value}").ToArray();
        var server = new ServerProcess(directory, RedisServer.FreePort(), arguments);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var start = StartInfo(Directory, Port);
        start.ArgumentList.Add($"--Floodgate:Policies:Path={Path.Combine(Directory, "floodgate.db")}");
        start.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("The server did not start.");
        _process.OutputDataReceived += (_, e) => Capture(e.Data);
        _process.ErrorDataReceived += (_, e) => Capture(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Client.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The server did not become healthy:\n{Output}");
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        Client.Dispose();
        foreach (var client in _machines.Values)
        {
            client.Dispose();
        }
    }

    private void Capture(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }

    /// <summary>
    /// Runs a server with <paramref name="settings"/> that is expected to stop by itself (invalid configuration), and
    /// returns its exit code and what it wrote to standard error and output; kills it after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<(int ExitCode, string Error, string Output)> RunToExitAsync(Dictionary<string, string> settings, TimeSpan timeout)
    {
        var start = StartInfo(System.IO.Directory.CreateTempSubdirectory("floodgate-server-").FullName, RedisServer.FreePort());
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("The server did not start.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The server did not stop by itself within {timeout}.");
        }

        return (process.ExitCode, await error, await output);
    }

    /// <summary>The service in <paramref name="directory"/> on <paramref name="port"/>, output redirected, in production.</summary>
    private static ProcessStartInfo StartInfo(string directory, int port)
    {
        var binaries = ServerBinaries();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(binaries, "Floodgate.Server.dll"));
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        start.ArgumentList.Add($"--contentRoot={binaries}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return start;
    }

    /// <summary>src/Floodgate.Server/bin/{configuration}/net10.0 of this repository.</summary>
    private static string ServerBinaries()
    {
        var configuration = typeof(ServerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Floodgate.slnx")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException("The repository root (Floodgate.slnx) was not found above " + AppContext.BaseDirectory);
        }

        return Path.Combine(directory.FullName, "src", "Floodgate.Server", "bin", configuration, "net10.0");
    }
}
