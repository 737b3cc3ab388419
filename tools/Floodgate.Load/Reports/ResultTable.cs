using System.Globalization;
using Floodgate.Load.Engine;
using Spectre.Console;

namespace Floodgate.Load.Reports;

/// <summary>The closing table: counts, throttled by status, errors by kind, achieved rate, latency percentiles.</summary>
internal static class ResultTable
{
    public static void Write(IAnsiConsole console, LoadResult result)
    {
        console.WriteLine(Title(result));
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("measure");
        table.AddColumn(new TableColumn("value").RightAligned());

        table.AddRow("sent", Count(result.Sent));
        table.AddRow("[green]allowed (2xx)[/]", Count(result.Allowed));
        table.AddRow("[yellow]throttled[/]", Count(result.Throttled));
        foreach (var (status, count) in result.ThrottledByStatus)
        {
            table.AddRow($"  {Markup.Escape(status)}", Count(count));
        }

        table.AddRow("[red]errors[/]", Count(result.Errors));
        foreach (var (kind, count) in result.ErrorsByKind)
        {
            table.AddRow($"  {Markup.Escape(kind)}", Count(count));
        }

        var asked = result.RequestedRate is { } rate ? Text($" (asked {rate:N0}/s)") : Text($" ({result.Concurrency} workers)");
        table.AddRow("achieved rate", Text($"{result.AchievedRate:N1}/s") + asked);
        table.AddRow("elapsed", Text($"{result.ElapsedSeconds:0.00} s") + (result.Stopped ? " [yellow](stopped)[/]" : ""));
        AddLatency(table, "latency", result.Latency);
        table.AddRow("send lag p99 / max", Text($"{result.SendLag.P99:0.###} / {result.SendLag.Max:0.###} ms"));
        console.Write(table);
    }

    private static void AddLatency(Table table, string name, LatencySummary latency)
    {
        table.AddRow($"{name} p50", Millis(latency.P50));
        table.AddRow($"{name} p90", Millis(latency.P90));
        table.AddRow($"{name} p99", Millis(latency.P99));
        table.AddRow($"{name} p99.9", Millis(latency.P999));
        table.AddRow($"{name} max", Millis(latency.Max));
    }

    private static string Title(LoadResult result) => string.Create(
        CultureInfo.InvariantCulture,
        $"{result.Scenario}, {result.Model} model, {result.Method} {result.Target}, identity {result.Identity} × {result.Clients}");

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Millis(double value) => Text($"{value:0.###} ms");

    private static string Text(FormattableString text) => Markup.Escape(text.ToString(CultureInfo.InvariantCulture));
}
