using System.Globalization;
using Floodgate.Replay.Logs;

namespace Floodgate.Replay;

/// <summary>The command line, parsed.</summary>
internal sealed record ReplayOptions
{
    public const string Usage = """
        Replays a web server access log against Floodgate policies: what they would have admitted and denied, against
        what was decided (a 429 in the log is a denial).

        usage: floodgate-replay <access-log|-> --policies <file> [options]

          <access-log>          nginx/Apache combined (or common) log format, or JSON lines with time, client, method,
                                path and optionally status, admitted, tier, cost, endpoint; '-' reads standard input
          --policies <file>     an appsettings.json with a "Floodgate" section, or a JSON list of policies as
                                GET /admin/configs returns them
          --settings <file>     with a list of policies: the appsettings.json whose options they run under
          --format <f>          auto (default: each line by its look), combined or json
          --top <n>             endpoints and clients listed, most affected first (default 10)
          --json                the report as JSON on standard output
          -h, --help            this text

        Exit status: 0 replayed, 1 no line could be read, 2 bad command line or policy file.
        """;

    public string? Log { get; init; }

    public string? Policies { get; init; }

    public string? Settings { get; init; }

    public LogFormat Format { get; init; } = LogFormat.Auto;

    public int Top { get; init; } = 10;

    public bool Json { get; init; }

    public bool Help { get; init; }

    /// <exception cref="ArgumentException">The command line is not as <see cref="Usage"/> says; the message says what is wrong.</exception>
    public static ReplayOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ReplayOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            options = arg switch
            {
                "-h" or "--help" => options with { Help = true },
                "--json" => options with { Json = true },
                "--policies" => options with { Policies = Value(args, ref i) },
                "--settings" => options with { Settings = Value(args, ref i) },
                "--format" => options with { Format = Enum.TryParse<LogFormat>(Value(args, ref i), ignoreCase: true, out var format) && Enum.IsDefined(format) ? format : throw new ArgumentException($"--format must be auto, combined or json (was '{args[i]}').") },
                "--top" => options with { Top = int.TryParse(Value(args, ref i), NumberStyles.None, CultureInfo.InvariantCulture, out var top) && top is >= 1 and <= 10_000 ? top : throw new ArgumentException($"--top must be a whole number from 1 to 10000 (was '{args[i]}').") },
                _ when arg.StartsWith("--", StringComparison.Ordinal) => throw new ArgumentException($"unknown option '{arg}'."),
                _ when options.Log is null => options with { Log = arg },
                _ => throw new ArgumentException($"one access log at a time (got '{options.Log}' and '{arg}')."),
            };
        }

        if (!options.Help && (options.Log is null || options.Policies is null))
        {
            throw new ArgumentException(options.Log is null ? "the access log is required." : "--policies <file> is required.");
        }

        return options;
    }

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        ++i < args.Count ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");
}
