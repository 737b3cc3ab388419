using Floodgate.Load.Engine;
using Floodgate.Load.Options;
using Floodgate.Load.Reports;
using Floodgate.Load.Scenarios;
using Spectre.Console;

namespace Floodgate.Load;

/// <summary>The whole command: parse and check the command line, run, and report. Returns the exit status.</summary>
internal static class LoadCommand
{
    public const int Ok = 0;
    public const int NoResponse = 1;
    public const int Usage = 2;

    public static async Task<int> RunAsync(
        IReadOnlyList<string> args, IAnsiConsole console, TextWriter output, TextWriter error, TimeProvider time, CancellationToken stop)
    {
        LoadOptions options;
        LoadPlan plan;
        try
        {
            options = LoadOptionsParser.Parse(args);
            if (options.Help || args.Count == 0)
            {
                await output.WriteAsync(HelpText.Text);
                return options.Help ? Ok : Usage;
            }

            plan = LoadPlan.Create(options);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            await error.WriteLineAsync("Run with --help to see every option.");
            return Usage;
        }

        var engine = new LoadEngine(plan, time);
        var result = options.Json
            ? await engine.RunAsync(stop)
            : await ProgressDisplay.RunAsync(console, engine, plan, time, stop);

        if (options.ReportPath is { } path)
        {
            try
            {
                HtmlReport.Write(result, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: could not write the report to {path}: {e.Message}");
            }
        }

        if (options.Json)
        {
            await output.WriteLineAsync(ResultJson.Serialize(result));
        }
        else
        {
            ResultTable.Write(console, result);
            if (options.ReportPath is { } written && File.Exists(written))
            {
                console.MarkupLine($"report: [link]{Markup.Escape(Path.GetFullPath(written))}[/]");
            }
        }

        return result.Sent > 0 && result.Allowed + result.Throttled == 0 && result.ErrorsByKind.Keys.All(k => !k.StartsWith("HTTP ", StringComparison.Ordinal))
            ? NoResponse
            : Ok;
    }
}
