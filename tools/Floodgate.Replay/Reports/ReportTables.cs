using System.Globalization;
using Floodgate.AspNetCore.Replay;
using Spectre.Console;

namespace Floodgate.Replay.Reports;

/// <summary>The report as tables: totals, per policy, the most affected endpoints and clients, the lines that could not be read.</summary>
internal static class ReportTables
{
    public const int ShownMalformed = 20;

    public static void Write(IAnsiConsole console, ReplayOutcome outcome)
    {
        var report = outcome.Report;
        console.WriteLine(Text($"{outcome.Log} against {outcome.Policies} ({outcome.Candidate})"));
        var total = new Table().Border(TableBorder.Rounded);
        total.AddColumn("measure");
        total.AddColumn(new TableColumn("value").RightAligned());
        total.AddRow("requests replayed", Count(report.Total.Requests));
        total.AddRow("[green]admitted[/] by the policies", Count(report.Total.Admitted));
        total.AddRow("[yellow]denied[/] by the policies", Count(report.Total.Denied));
        total.AddRow("actually admitted / denied", $"{Count(report.Total.ActuallyAdmitted)} / {Count(report.Total.ActuallyDenied)}");
        total.AddRow("[red]newly denied[/]", Count(report.Total.NewlyDenied));
        total.AddRow("[blue]newly admitted[/]", Count(report.Total.NewlyAdmitted));
        total.AddRow("decisions changed", Text($"{report.Total.ChangedShare:P3}"));
        total.AddRow("clients / endpoints", $"{Count(report.ClientCount)} / {Count(report.EndpointCount)}");
        total.AddRow("lines read / malformed", $"{Count(outcome.Lines)} / {Count(outcome.MalformedCount)}");
        if (report.OutOfOrder > 0)
        {
            total.AddRow("records out of time order", Count(report.OutOfOrder));
        }

        total.AddRow("replay time", Text($"{outcome.Elapsed.TotalSeconds:0.00} s ({report.Total.Requests / Math.Max(outcome.Elapsed.TotalSeconds, 1e-6):N0} requests/s, reading the log included)"));
        console.Write(total);

        console.Write(Groups("policy", report.Policies));
        console.Write(Groups("endpoint (most affected)", report.Endpoints));
        console.Write(Groups("client (most affected)", report.Clients));

        if (outcome.MalformedCount > 0)
        {
            var malformed = new Table().Border(TableBorder.Rounded).Title(Text($"{outcome.MalformedCount:N0} malformed lines, skipped"));
            malformed.AddColumn(new TableColumn("line").RightAligned());
            malformed.AddColumn("why");
            foreach (var line in outcome.Malformed.Take(ShownMalformed))
            {
                malformed.AddRow(Count(line.Number), Markup.Escape(line.Reason));
            }

            console.Write(malformed);
            if (outcome.MalformedCount > ShownMalformed)
            {
                console.MarkupLine(Text($"(the first {ShownMalformed} shown; --json lists up to {outcome.Malformed.Count})"));
            }
        }
    }

    private static Table Groups(string title, IReadOnlyList<ReplayGroup> groups)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn(title);
        foreach (var column in new[] { "requests", "admitted", "denied", "newly denied", "newly admitted" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var group in groups)
        {
            var tally = group.Tally;
            table.AddRow(
                Markup.Escape(group.Name), Count(tally.Requests), Count(tally.Admitted), Count(tally.Denied),
                tally.NewlyDenied > 0 ? $"[red]{Count(tally.NewlyDenied)}[/]" : "0",
                tally.NewlyAdmitted > 0 ? $"[blue]{Count(tally.NewlyAdmitted)}[/]" : "0");
        }

        return table;
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Text(FormattableString text) => Markup.Escape(text.ToString(CultureInfo.InvariantCulture));
}
