using System.Diagnostics;
using Floodgate.AspNetCore.Replay;
using Floodgate.Replay.Logs;
using Floodgate.Replay.Policies;
using Floodgate.Replay.Reports;
using Spectre.Console;

namespace Floodgate.Replay;

/// <summary>The whole command: parse the command line, read the policies, replay the log, report. Returns the exit status.</summary>
internal static class ReplayCommand
{
    public const int Ok = 0;
    public const int NothingRead = 1;
    public const int Usage = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, IAnsiConsole console, TextWriter output, TextWriter error, TextReader input)
    {
        ReplayOptions options;
        Candidate candidate;
        ReplayEngine? engine;
        try
        {
            options = ReplayOptions.Parse(args);
            if (options.Help)
            {
                await output.WriteLineAsync(ReplayOptions.Usage);
                return Ok;
            }

            candidate = PolicyFile.Load(options.Policies!, options.Settings);
            if (!ReplayEngine.TryCreate(candidate.Options, candidate.Policies, out engine, out var problems))
            {
                throw new PolicyFileException(string.Join(Environment.NewLine, problems.Select(p => $"{options.Policies}: {p}")));
            }
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            await error.WriteLineAsync("Run with --help to see every option.");
            return Usage;
        }
        catch (PolicyFileException e)
        {
            await error.WriteLineAsync($"error: the policies cannot be used:{Environment.NewLine}{e.Message}");
            return Usage;
        }

        TextReader log;
        try
        {
            log = options.Log == "-" ? input : new StreamReader(options.Log!, new FileStreamOptions { Options = FileOptions.SequentialScan, BufferSize = 1 << 16 });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: cannot read {options.Log}: {e.Message}");
            return Usage;
        }

        ReplayOutcome outcome;
        using (log == input ? null : log)
        {
            var reader = new AccessLogReader(log, options.Format);
            var watch = Stopwatch.StartNew();
            var report = engine.Replay(reader.Records(), options.Top);
            watch.Stop();
            outcome = new ReplayOutcome(options.Log!, options.Policies!, candidate.Kind, report, reader.Lines, reader.MalformedCount, reader.Malformed, watch.Elapsed);
        }

        if (options.Json)
        {
            await output.WriteLineAsync(ReportJson.Serialize(outcome));
        }
        else
        {
            ReportTables.Write(console, outcome);
        }

        return outcome.Report.Total.Requests == 0 ? NothingRead : Ok;
    }
}
