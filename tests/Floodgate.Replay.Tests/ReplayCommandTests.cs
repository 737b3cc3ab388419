using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Floodgate.Replay.Tests;

public sealed class ReplayCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("floodgate-replay-").FullName;

    [Fact]
    public async Task Run_CombinedLogAgainstStricterPolicies_ReportsTheNewlyDenied_AndTheMalformedLines()
    {
        // Arrange: for ten minutes 203.0.113.1 requests once a second, 203.0.113.2 once every five; all admitted. A fixed
        // window of 30 a minute, no bans, admits the first 30 of each of 203.0.113.1's minutes.
        var lines = new List<string>();
        for (var s = 0; s < 600; s++)
        {
            lines.Add(Line("203.0.113.1", s, $"/api/items/{s}?page=1", 200));
            if (s % 5 == 0)
            {
                lines.Add(Line("203.0.113.2", s, "/api/data", 200));
            }
        }

        lines.Insert(10, "truncated line");
        var log = Write("access.log", string.Join('\n', lines));
        var settings = Write("appsettings.json", """{ "Floodgate": { "DefaultLimit": "1000/minute", "Penalty": { "Enabled": false } } }""");
        var policies = Write("policies.json", """[{"id": "api", "path": "/api/**", "limit": 30, "window": "minute", "algorithm": "fixed_window"}]""");

        // Act
        var (status, output, error) = await RunAsync(log, "--policies", policies, "--settings", settings, "--json");

        // Assert
        Assert.Equal(0, status);
        Assert.Equal("", error);
        using var report = JsonDocument.Parse(output);
        var root = report.RootElement;
        Assert.Equal(721, root.GetProperty("lines").GetInt64());
        Assert.Equal(1, root.GetProperty("malformed_lines").GetInt64());
        Assert.Equal(11, root.GetProperty("malformed")[0].GetProperty("line").GetInt64());
        var total = root.GetProperty("total");
        Assert.Equal((720, 420, 300, 0), (total.GetProperty("requests").GetInt64(), total.GetProperty("admitted").GetInt64(), total.GetProperty("newly_denied").GetInt64(), total.GetProperty("newly_admitted").GetInt64()));
        var top = root.GetProperty("top_clients")[0];
        Assert.Equal(("203.0.113.1", 300), (top.GetProperty("name").GetString(), top.GetProperty("newly_denied").GetInt32()));
        Assert.Equal("api", root.GetProperty("by_policy")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Run_Tables_ShowTotalsPoliciesAndMalformedLines()
    {
        var log = Write("access.log", string.Join('\n', Line("203.0.113.1", 0, "/", 200), Line("203.0.113.1", 1, "/", 429), "{\"oops\": 1}"));
        var policies = Write("policies.json", """[{"id": "all", "path": "/**", "limit": 5, "window": "minute"}]""");

        var (status, output, _) = await RunAsync(log, "--policies", policies);

        Assert.Equal(0, status);
        Assert.Contains("newly admitted", output, StringComparison.Ordinal);
        Assert.Contains("1 malformed lines, skipped", output, StringComparison.Ordinal);
        Assert.Contains("\"time\" is missing", output, StringComparison.Ordinal);
        Assert.Contains("│ all ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PoliciesThatDoNotCompile_ExitsWithUsage_NamingThem()
    {
        var log = Write("access.log", Line("203.0.113.1", 0, "/", 200));
        var policies = Write("policies.json", """[{"id": "bad", "path": "api", "limit": 5, "window": "minute"}]""");

        var (status, _, error) = await RunAsync(log, "--policies", policies);

        Assert.Equal(ReplayCommand.Usage, status);
        Assert.Contains("policy 'bad':Path", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "the access log is required")]
    [InlineData(new[] { "access.log" }, "--policies <file> is required")]
    [InlineData(new[] { "access.log", "--policies", "p.json", "--top", "0" }, "--top must be")]
    [InlineData(new[] { "access.log", "--policies", "p.json", "--format", "xml" }, "--format must be")]
    [InlineData(new[] { "access.log", "--verbose" }, "unknown option '--verbose'")]
    public async Task Run_BadCommandLine_ExitsWithUsage(string[] args, string message)
    {
        var (status, _, error) = await RunAsync(args);

        Assert.Equal(ReplayCommand.Usage, status);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoLineReadable_ExitsWithNothingRead()
    {
        var log = Write("access.log", "junk\nmore junk\n");
        var policies = Write("policies.json", "[]");

        var (status, _, _) = await RunAsync(log, "--policies", policies);

        Assert.Equal(ReplayCommand.NothingRead, status);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Line(string client, int second, string target, int status) => string.Create(
        CultureInfo.InvariantCulture,
        $"{client} - - [10/Oct/2025:13:{second / 60:00}:{second % 60:00} +0000] \"GET {target} HTTP/1.1\" {status} 12 \"-\" \"test\"");

    private static async Task<(int Status, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            Interactive = InteractionSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 160;
        var status = await ReplayCommand.RunAsync(args, console, output, error, TextReader.Null);
        return (status, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
