using System.Globalization;
using System.Net;
using System.Text;
using Floodgate.Load.Engine;

namespace Floodgate.Load.Reports;

/// <summary>
/// <c>--report FILE</c>: one self-contained HTML file (inline CSS and SVG, no scripts, nothing fetched) with the
/// summary, responses per second (allowed, throttled, errors) and latency percentiles per second.
/// </summary>
internal static class HtmlReport
{
    private const int Width = 900;
    private const int Height = 280;
    private const int Left = 64;
    private const int Right = 16;
    private const int Top = 16;
    private const int Bottom = 40;

    public static void Write(LoadResult result, string path) => File.WriteAllText(path, Render(result), new UTF8Encoding(false));

    public static string Render(LoadResult result)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>Floodgate.Load — ").Append(Encode(result.Scenario)).Append("</title>\n")
            .Append("""
                <style>
                body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
                h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
                table { border-collapse: collapse; } td, th { padding: 2px 12px; border-bottom: 1px solid #ddd; text-align: left; }
                td.n { text-align: right; font-variant-numeric: tabular-nums; }
                svg { width: 100%; height: auto; background: #fafafa; border: 1px solid #ddd; }
                svg text { font: 12px system-ui, sans-serif; fill: #444; }
                .note { color: #666; }
                </style>
                </head>
                <body>

                """);

        html.Append("<h1>Floodgate.Load: ").Append(Encode(result.Scenario)).Append("</h1>\n<p>")
            .Append(Encode(Invariant($"{result.Method} {result.Target} — {result.Model} model, ")))
            .Append(Encode(result.RequestedRate is { } rate ? Invariant($"{rate:0.###} requests/s asked") : Invariant($"{result.Concurrency} workers")))
            .Append(Encode(Invariant($", identity {result.Identity} × {result.Clients}, {result.DurationSeconds:0.###} s planned")))
            .Append(result.Stopped ? ", <strong>stopped early</strong>" : "")
            .Append(".</p>\n");

        AppendSummary(html, result);

        html.Append("<h2>Responses per second</h2>\n");
        AppendChart(html, "Responses per second: allowed, throttled and errors", result.Seconds, "responses",
            [("allowed (2xx)", "#2e7d32", s => s.Allowed), ("throttled", "#ef6c00", s => s.Throttled), ("errors", "#c62828", s => s.Errors)]);

        html.Append("<h2>Latency per second (ms)</h2>\n");
        AppendChart(html, "Latency percentiles per second in milliseconds", result.Seconds, "ms",
            [("p50", "#1565c0", s => s.P50), ("p90", "#6a1b9a", s => s.P90), ("p99", "#c62828", s => s.P99)]);

        html.Append("<p class=\"note\">Each second counts the responses that completed in it. Open-model latency runs from the ")
            .Append("scheduled send time to the end of the response, so time a request waited behind a slow server counts. ")
            .Append("Percentiles come from a log-linear histogram accurate to 0.8 %.</p>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendSummary(StringBuilder html, LoadResult result)
    {
        html.Append("<table>\n");
        Row(html, "sent", Count(result.Sent));
        Row(html, "allowed (2xx)", Count(result.Allowed));
        Row(html, "throttled", Count(result.Throttled));
        foreach (var (status, count) in result.ThrottledByStatus)
        {
            Row(html, "&nbsp;&nbsp;" + Encode(status), Count(count));
        }

        Row(html, "errors", Count(result.Errors));
        foreach (var (kind, count) in result.ErrorsByKind)
        {
            Row(html, "&nbsp;&nbsp;" + Encode(kind), Count(count));
        }

        Row(html, "achieved rate", Invariant($"{result.AchievedRate:N1}/s"));
        Row(html, "elapsed", Invariant($"{result.ElapsedSeconds:0.00} s"));
        var latency = result.Latency;
        Row(html, "latency p50 / p90 / p99", Invariant($"{latency.P50:0.###} / {latency.P90:0.###} / {latency.P99:0.###} ms"));
        Row(html, "latency p99.9 / max", Invariant($"{latency.P999:0.###} / {latency.Max:0.###} ms"));
        Row(html, "send lag p99 / max", Invariant($"{result.SendLag.P99:0.###} / {result.SendLag.Max:0.###} ms"));
        html.Append("</table>\n");
    }

    private static void AppendChart(
        StringBuilder html, string title, IReadOnlyList<SecondSample> seconds, string unit, (string Name, string Color, Func<SecondSample, double> Value)[] series)
    {
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double highest = 0;
        foreach (var sample in seconds)
        {
            foreach (var line in series)
            {
                highest = Math.Max(highest, line.Value(sample));
            }
        }

        var yStep = NiceStep(highest <= 0 ? 1 : highest / 5);
        var yMax = Math.Max(yStep, Math.Ceiling(highest / yStep) * yStep);
        var xMax = Math.Max(1, seconds.Count - 1);
        var xStep = Math.Max(1, NiceStep(xMax / 10.0));
        double X(double second) => Left + (second / xMax * plotWidth);
        double Y(double value) => Top + plotHeight - (value / yMax * plotHeight);

        html.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" role=\"img\">\n"))
            .Append("<title>").Append(Encode(title)).Append("</title>\n");

        for (var value = 0.0; value <= yMax + (yStep / 2); value += yStep)
        {
            html.Append(Invariant($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(value):0.#}\" y2=\"{Y(value):0.#}\" stroke=\"#e0e0e0\"/>"))
                .Append(Invariant($"<text x=\"{Left - 6}\" y=\"{Y(value) + 4:0.#}\" text-anchor=\"end\">{value:0.###}</text>\n"));
        }

        for (var second = 0.0; second <= xMax; second += xStep)
        {
            html.Append(Invariant($"<text x=\"{X(second):0.#}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{second:0}</text>\n"));
        }

        html.Append(Invariant($"<text x=\"{Left + (plotWidth / 2)}\" y=\"{Height - 6}\" text-anchor=\"middle\">second of the run</text>\n"))
            .Append(Invariant($"<text x=\"14\" y=\"{Top + (plotHeight / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {Top + (plotHeight / 2)})\">{Encode(unit)}</text>\n"))
            .Append(Invariant($"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Top + plotHeight}\" stroke=\"#999\"/>"))
            .Append(Invariant($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Top + plotHeight}\" y2=\"{Top + plotHeight}\" stroke=\"#999\"/>\n"));

        var legendX = Left + 12;
        foreach (var (name, color, value) in series)
        {
            html.Append(Invariant($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\""));
            foreach (var sample in seconds)
            {
                html.Append(Invariant($"{X(sample.Second):0.#},{Y(value(sample)):0.#} "));
            }

            html.Append("\"/>\n")
                .Append(Invariant($"<rect x=\"{legendX}\" y=\"{Top + 4}\" width=\"12\" height=\"12\" fill=\"{color}\"/>"))
                .Append(Invariant($"<text x=\"{legendX + 16}\" y=\"{Top + 14}\">{Encode(name)}</text>\n"));
            legendX += 24 + (8 * name.Length);
        }

        html.Append("</svg>\n");
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    internal static double NiceStep(double rough)
    {
        if (rough <= 0 || !double.IsFinite(rough))
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / power;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }

    private static void Row(StringBuilder html, string name, string value) =>
        html.Append("<tr><td>").Append(name).Append("</td><td class=\"n\">").Append(Encode(value)).Append("</td></tr>\n");

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
