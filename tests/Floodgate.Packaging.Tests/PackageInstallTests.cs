using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Floodgate.Packaging.Tests;

/// <summary>
/// The libraries as a user gets them: packed into a local feed, installed with <c>dotnet add package</c> into a fresh
/// web application outside this repository, and limiting real requests on Kestrel.
/// </summary>
public sealed partial class PackageInstallTests : IDisposable
{
    private static readonly string[] Libraries = ["Floodgate", "Floodgate.AspNetCore", "Floodgate.Redis"];

    /// <summary>A version no earlier run used, so that no cached package of the same version is ever served.</summary>
    private readonly string _version = $"0.1.0-t{Guid.NewGuid():N}";
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("floodgate-packaging-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Packages_InstalledInAFreshWebApp_TheFourthRequestOfThreePerMinuteGets429WithHeaders()
    {
        var feed = _work.CreateSubdirectory("feed").FullName;
        var repository = RepositoryRoot();
        foreach (var library in Libraries)
        {
            await DotnetCli.RunAsync(repository, Token,
                "pack", Path.Combine("src", library), "--no-build", "-c", Configuration(), "-o", feed, $"-p:Version={_version}");
        }

        foreach (var library in Libraries)
        {
            Assert.True(File.Exists(Path.Combine(feed, $"{library}.{_version}.nupkg")), $"{library} was not packed");
            Assert.True(File.Exists(Path.Combine(feed, $"{library}.{_version}.snupkg")), $"{library} has no symbol package");
        }

        var app = _work.CreateSubdirectory("ShopApi").FullName;
        await DotnetCli.RunAsync(app, Token, "new", "web", "--name", "ShopApi", "--output", app, "--no-restore");
        Isolate(app, feed);
        foreach (var library in Libraries)
        {
            await DotnetCli.RunAsync(app, Token, "add", "package", library, "--version", _version);
        }

        AddTheTwoLines(Path.Combine(app, "Program.cs"));
        await DotnetCli.RunAsync(app, Token, "build", "-c", "Release");

        using var process = Process.Start(DotnetCli.StartInfo(app, Path.Combine("bin", "Release", "net10.0", "ShopApi.dll"), "--urls", "http://127.0.0.1:0"))
            ?? throw new InvalidOperationException("The application did not start.");
        try
        {
            var address = await ListeningAddress(process);
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

            for (var i = 1; i <= 3; i++)
            {
                using var admitted = await client.GetAsync("/", Token);
                Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
                Assert.Equal((3 - i).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(admitted, "X-RateLimit-Remaining"));
            }

            using var fourth = await client.GetAsync("/", Token);

            Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
            Assert.Equal("application/problem+json", fourth.Content.Headers.ContentType?.MediaType);
            Assert.Equal("3", Header(fourth, "X-RateLimit-Limit"));
            Assert.Equal("0", Header(fourth, "X-RateLimit-Remaining"));
            Assert.Matches(@"^\d+$", Header(fourth, "Retry-After"));
            Assert.Matches(@";q=3;w=60$", Header(fourth, "RateLimit-Policy"));
            Assert.Matches(@";r=0;t=\d+$", Header(fourth, "RateLimit"));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public void Dispose()
    {
        _work.Delete(recursive: true);
        ForgetCachedPackages();
    }

    /// <summary>
    /// The application's own nuget.config (the local feed, then nuget.org for the dependencies) and empty MSBuild files
    /// that stop the search for this repository's Directory.Build.props and Directory.Packages.props.
    /// </summary>
    private static void Isolate(string app, string feed)
    {
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(app, "Directory.Packages.props"), "<Project />\n");
    }

    /// <summary>The two lines of the README's library section, with the limit set to 3 per minute.</summary>
    private static void AddTheTwoLines(string program)
    {
        var text = File.ReadAllText(program);
        const string Build = "var app = builder.Build();";
        const string Map = "app.MapGet(";
        Assert.Contains(Build, text, StringComparison.Ordinal);
        Assert.Contains(Map, text, StringComparison.Ordinal);
        text = "using Floodgate.AspNetCore;\n\n" + text
            .Replace(Build, "builder.Services.AddFloodgate(o => o.DefaultLimit = \"3/minute\");\n" + Build, StringComparison.Ordinal)
            .Replace(Map, "app.UseFloodgate();\n\n" + Map, StringComparison.Ordinal);
        File.WriteAllText(program, text);
    }

    /// <summary>Reads Kestrel's "Now listening on:" line, the port it was given for port 0.</summary>
    private static async Task<Uri> ListeningAddress(Process process)
    {
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            DotnetCli.Append(output, e.Data);
            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) => DotnetCli.Append(output, e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"The application exited:\n{DotnetCli.Text(output)}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), Token);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The application did not say where it listens:\n{DotnetCli.Text(output)}");
        }
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : $"(no {name} header)";

    private static string Configuration() =>
        typeof(PackageInstallTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Floodgate.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Floodgate.slnx above {AppContext.BaseDirectory}.");
    }

    /// <summary>Removes this run's packages from the global packages folder: each run's version is used once.</summary>
    private void ForgetCachedPackages()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var library in Libraries)
        {
            var package = Path.Combine(root, library.ToLowerInvariant());
            var folder = Path.Combine(package, _version);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            if (Directory.Exists(package) && !Directory.EnumerateFileSystemEntries(package).Any())
            {
                Directory.Delete(package);
            }
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
