using System.Globalization;
using Floodgate.Load.Engine;
using Floodgate.Load.Options;
using Floodgate.Load.Scenarios;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Floodgate.Load.Reports;

/// <summary>
/// The live progress line: elapsed, sent, 2xx, throttled, errors and the current send rate, redrawn twice a second on
/// a terminal; on redirected output, one plain line every five seconds instead.
/// </summary>
internal static class ProgressDisplay
{
    private static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    public static async Task<LoadResult> RunAsync(IAnsiConsole console, LoadEngine engine, LoadPlan plan, TimeProvider time, CancellationToken stop)
    {
        var run = engine.RunAsync(stop);
        var capabilities = console.Profile.Capabilities;
        if (capabilities.Ansi && capabilities.Interactive)
        {
            await console.Live(Render(default, 0, plan)).AutoClear(false).StartAsync(async context =>
            {
                await Follow(run, engine, plan, time, LiveInterval, renderable =>
                {
                    context.UpdateTarget(renderable);
                    context.Refresh();
                });
            });
        }
        else
        {
            await Follow(run, engine, plan, time, PlainInterval, renderable =>
            {
                console.Write(renderable);
                console.WriteLine();
            });
        }

        return await run;
    }

    private static async Task Follow(Task run, LoadEngine engine, LoadPlan plan, TimeProvider time, TimeSpan interval, Action<IRenderable> show)
    {
        var last = engine.Recorder.Snapshot();
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(interval, time));
            var now = engine.Recorder.Snapshot();
            var seconds = (now.Elapsed - last.Elapsed).TotalSeconds;
            var rate = seconds > 0 ? (now.Sent - last.Sent) / seconds : 0;
            show(Render(now, rate, plan));
            last = now;
        }
    }

    internal static Markup Render(ProgressSnapshot now, double rate, LoadPlan plan)
    {
        return new Markup(string.Create(
            CultureInfo.InvariantCulture,
            $"[bold]{now.Elapsed.TotalSeconds:0.0}s[/]/{DurationText.Format(plan.Duration)}  "
            + $"sent [bold]{now.Sent:N0}[/]  "
            + $"[green]2xx {now.Allowed:N0}[/]  "
            + $"[yellow]throttled {now.Throttled:N0}[/]  "
            + $"[red]errors {now.Errors:N0}[/]  "
            + $"[bold]{rate:N0}/s[/]"));
    }
}
