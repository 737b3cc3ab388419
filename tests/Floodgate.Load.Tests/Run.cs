using Floodgate.Load.Engine;
using Floodgate.Load.Options;
using Floodgate.Load.Scenarios;
using Spectre.Console;

namespace Floodgate.Load.Tests;

/// <summary>Runs the tool in-process the way the command line does.</summary>
internal static class Run
{
    /// <summary>Parses, plans and runs the engine; no console output.</summary>
    public static Task<LoadResult> EngineAsync(params string[] args)
    {
        var plan = LoadPlan.Create(LoadOptionsParser.Parse(args));
        return new LoadEngine(plan, TimeProvider.System).RunAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The whole command, with standard output and error captured.</summary>
    public static async Task<(int Status, string Output, string Error)> CommandAsync(params string[] args)
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
        var status = await LoadCommand.RunAsync(args, console, output, error, TimeProvider.System, TestContext.Current.CancellationToken);
        return (status, output.ToString(), error.ToString());
    }
}
