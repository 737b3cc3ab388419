using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Floodgate.Testing;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, in a temporary directory, without persistence. It can be
/// killed and started again on the same port to test failures. Extra arguments make replicas and cluster nodes.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly string _directory;
    private readonly string[] _extraArguments;
    private readonly string? _configurationFile;
    private Process? _process;

    private RedisServer(string executable, int port, string[] extraArguments, Func<int, string>? configuration)
    {
        Executable = executable;
        Port = port;
        _extraArguments = extraArguments;
        _directory = Directory.CreateTempSubdirectory("floodgate-redis-").FullName;
        if (configuration is not null)
        {
            _configurationFile = Path.Combine(_directory, "redis.conf");
            File.WriteAllText(_configurationFile, configuration(port));
        }
    }

    public string Executable { get; }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server, or returns <see langword="null"/> with the reason when <c>redis-server</c> is not installed.</summary>
    public static RedisServer? TryStart(out string reason, params string[] extraArguments) =>
        TryStart("redis-server", out reason, extraArguments);

    public static RedisServer? TryStart(string program, out string reason, params string[] extraArguments) =>
        TryStartWithConfigurationFile(program, null, out reason, extraArguments);

    /// <summary>
    /// Starts a server for a test, or skips the test (fails it under <c>FLOODGATE_REQUIRE_SERVICES=1</c>) when
    /// <c>redis-server</c> is not installed.
    /// </summary>
    public static RedisServer StartOrSkip(params string[] extraArguments)
    {
        var server = TryStart(out var reason, extraArguments);
        if (server is null)
        {
            RequiredService.Unavailable(reason);
        }

        return server!;
    }

    /// <summary>
    /// A server on a free port that is not started yet (<see cref="Start"/> starts it: a client can be pointed at a port
    /// where Redis comes later), or <see langword="null"/> with the reason when <c>redis-server</c> is not installed.
    /// </summary>
    public static RedisServer? TryCreate(out string reason, params string[] extraArguments)
    {
        var executable = RequiredService.FindOnPath("redis-server");
        reason = executable is null ? "redis-server is not installed (./test.sh installs it: apt-get install redis-server)" : string.Empty;
        return executable is null ? null : new RedisServer(executable, FreePort(), extraArguments, null);
    }

    /// <summary>
    /// Starts <paramref name="program"/> with a configuration file, written in the server's directory from its port
    /// (<c>redis-sentinel</c> needs one: it records what it learns there). Arguments still override the file.
    /// </summary>
    public static RedisServer? TryStartWithConfigurationFile(string program, Func<int, string>? configuration, out string reason, params string[] extraArguments)
    {
        var executable = RequiredService.FindOnPath(program);
        if (executable is null)
        {
            reason = $"{program} is not installed (./test.sh installs it: apt-get install redis-server redis-sentinel redis-tools)";
            return null;
        }

        var server = new RedisServer(executable, FreePort(), extraArguments, configuration);
        try
        {
            server.Start();
        }
        catch
        {
            server.Dispose();
            throw;
        }

        reason = string.Empty;
        return server;
    }

    public void Start()
    {
        if (IsRunning)
        {
            return;
        }

        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_configurationFile is not null)
        {
            start.ArgumentList.Add(_configurationFile); // the file comes first, options after it
        }

        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", _directory })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in _extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"{Executable} did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilAnswering(TimeSpan.FromSeconds(10));
    }

    /// <summary>Kills the server at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
    }

    /// <summary>Holds every client's commands for <paramref name="duration"/> (<c>CLIENT PAUSE</c>): Redis is slow, not gone.</summary>
    public void Pause(TimeSpan duration) =>
        Call("CLIENT", "PAUSE", ((long)duration.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "ALL");

    /// <summary>Writes this server's data (<c>SAVE</c>) where <paramref name="other"/>, not yet started, loads it from when it starts.</summary>
    public void SaveTo(RedisServer other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Call("SAVE");
        File.Copy(Path.Combine(_directory, "dump.rdb"), Path.Combine(other._directory, "dump.rdb"), overwrite: true);
    }

    /// <summary>Sends one command and returns the parsed reply (see <see cref="RedisWire"/>).</summary>
    public object? Call(params string[] arguments) => RedisWire.Call(Port, arguments);

    /// <summary>Sends one command in the inline protocol and returns the first reply line.</summary>
    public string Command(string command)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, Port);
        using var stream = client.GetStream();
        stream.ReadTimeout = 5000;
        var bytes = Encoding.ASCII.GetBytes(command + "\r\n");
        stream.Write(bytes);
        var buffer = new byte[4096];
        var read = stream.Read(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void WaitUntilAnswering(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            try
            {
                if (Command("PING").StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }
            catch (IOException)
            {
            }

            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"{Executable} exited with code {_process.ExitCode} on port {Port}.");
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException($"{Executable} did not answer on port {Port} within {timeout}.");
    }
}
