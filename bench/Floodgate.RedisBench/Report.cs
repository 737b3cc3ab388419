using System.Globalization;
using System.Text;

namespace Floodgate.RedisBench;

/// <summary>
/// The results file: one tab-separated line per measurement,
/// <c>round kind callers ops_per_s p50_us p99_us round_trips_per_decision failures degraded round_trips cache_hits
/// client_cpu_us allocated_b redis_cpu_us scripts executed script_us</c> (the last six per decision; scripts, executed and
/// script_us from Redis's INFO commandstats: script calls, everything Redis ran, and the time Redis spent inside
/// scripts), written by this program
/// (kinds <c>admit</c>, <c>raw</c>, <c>raw-waitasync</c>, <c>attack-cache-on</c>, <c>attack-cache-off</c>) and by run.sh
/// from redis-benchmark (kinds <c>ping</c>, <c>evalsha</c>, <c>evalsha-pipelined</c>, <c>reference</c>). The report
/// takes medians over rounds.
/// </summary>
internal static class Report
{
    private const double Goal = 0.8;

    public static string Kind(ScenarioKind kind) => kind switch
    {
        ScenarioKind.Admit => "admit",
        ScenarioKind.AttackCacheOn => "attack-cache-on",
        ScenarioKind.AttackCacheOff => "attack-cache-off",
        ScenarioKind.Raw => "raw",
        _ => "raw-waitasync",
    };

    public static string Describe(ScenarioResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Kind(r.Kind),-16} callers {r.Callers,3}: {r.DecisionsPerSecond,9:F0} decisions/s, p50 {Time(r.P50.TotalMicroseconds)}, p99 {Time(r.P99.TotalMicroseconds)}, " +
        $"round trips {r.RoundTrips} ({r.RoundTripsPerDecision:P4}), over-limit cache hits {r.CacheHits}, allowed {r.Allowed}, denied {r.Denied}, " +
        $"failures {r.Failures}, degraded {(r.DegradedEvents > 0 || r.DegradedAtEnd ? "YES" : "no")}, " +
        $"client CPU {r.ClientCpuMicrosecondsPerDecision:F1} µs and {r.AllocatedBytesPerDecision:F0} B allocated per decision, Redis CPU {r.ServerCpuMicrosecondsPerDecision:F1} µs per decision, " +
        $"thread-pool work items {r.WorkItemsPerDecision:F2} per decision, gen0 GCs {r.Gen0CollectionsPerThousand:F2} per 1000 decisions, " +
        $"Redis ran {r.ScriptsPerDecision:F3} scripts and {r.ExecutedPerDecision:F3} commands per decision, {r.ScriptMicrosecondsPerDecision:F2} µs inside scripts");

    public static string Line(int round, ScenarioResult r) => string.Join(
        '\t',
        round.ToString(CultureInfo.InvariantCulture),
        Kind(r.Kind),
        r.Callers.ToString(CultureInfo.InvariantCulture),
        r.DecisionsPerSecond.ToString("F0", CultureInfo.InvariantCulture),
        r.P50.TotalMicroseconds.ToString("F1", CultureInfo.InvariantCulture),
        r.P99.TotalMicroseconds.ToString("F1", CultureInfo.InvariantCulture),
        r.RoundTripsPerDecision.ToString("F6", CultureInfo.InvariantCulture),
        r.Failures.ToString(CultureInfo.InvariantCulture),
        r.DegradedEvents > 0 || r.DegradedAtEnd ? "1" : "0",
        r.RoundTrips.ToString(CultureInfo.InvariantCulture),
        r.CacheHits.ToString(CultureInfo.InvariantCulture),
        r.ClientCpuMicrosecondsPerDecision.ToString("F2", CultureInfo.InvariantCulture),
        r.AllocatedBytesPerDecision.ToString("F0", CultureInfo.InvariantCulture),
        r.ServerCpuMicrosecondsPerDecision.ToString("F2", CultureInfo.InvariantCulture),
        r.ScriptsPerDecision.ToString("F3", CultureInfo.InvariantCulture),
        r.ExecutedPerDecision.ToString("F3", CultureInfo.InvariantCulture),
        r.ScriptMicrosecondsPerDecision.ToString("F2", CultureInfo.InvariantCulture));

    public static string Markdown(IEnumerable<string> lines)
    {
        var rows = new List<Row>();
        foreach (var line in lines)
        {
            var f = line.Split('\t');
            if (f.Length < 9 || !int.TryParse(f[0], CultureInfo.InvariantCulture, out var round))
            {
                continue;
            }

            rows.Add(new Row(
                round,
                f[1],
                int.Parse(f[2], CultureInfo.InvariantCulture),
                double.Parse(f[3], CultureInfo.InvariantCulture),
                double.Parse(f[4], CultureInfo.InvariantCulture),
                double.Parse(f[5], CultureInfo.InvariantCulture),
                double.Parse(f[6], CultureInfo.InvariantCulture),
                long.Parse(f[7], CultureInfo.InvariantCulture),
                f[8] == "1",
                f.Length > 10 ? long.Parse(f[9], CultureInfo.InvariantCulture) : 0,
                f.Length > 10 ? long.Parse(f[10], CultureInfo.InvariantCulture) : 0,
                f.Length > 13 ? double.Parse(f[11], CultureInfo.InvariantCulture) : 0,
                f.Length > 13 ? double.Parse(f[12], CultureInfo.InvariantCulture) : 0,
                f.Length > 13 ? double.Parse(f[13], CultureInfo.InvariantCulture) : 0));
        }

        var text = new StringBuilder();
        var rounds = rows.Where(r => r.Round > 0).Select(r => r.Round).Distinct().Count();
        text.Append(CultureInfo.InvariantCulture, $"Medians of {rounds} interleaved round(s) (PING and pipelined: one reference run each). A ratio is the median over rounds of the ratio of two runs made back to back in the same round; [min–max] over rounds.\n\n");
        text.Append("| callers | PING ops/s | ceiling: redis-benchmark EVALSHA ops/s | ceiling p50 / p99 | Floodgate ops/s | Floodgate p50 / p99 | Floodgate / ceiling | ≥ 80 % |\n");
        text.Append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |\n");
        var met = new List<int>();
        var missed = new List<int>();
        foreach (var callers in rows.Where(r => r.Kind is "admit" or "evalsha").Select(r => r.Callers).Distinct().Order())
        {
            var ping = Of(rows, "ping", callers);
            var ceiling = Of(rows, "evalsha", callers);
            var floodgate = Of(rows, "admit", callers);
            var ratios = Ratios(floodgate, ceiling);
            if (ratios.Count > 0)
            {
                (Median(ratios) >= Goal ? met : missed).Add(callers);
            }

            text.Append(CultureInfo.InvariantCulture, $"| {callers} | {Ops(ping)} | {Ops(ceiling)} | {Latency(ceiling)} | ");
            text.Append(CultureInfo.InvariantCulture, $"{Ops(floodgate)} | {Latency(floodgate)} | {RatioWithRange(ratios)} | ");
            text.Append(ratios.Count == 0 ? "– |\n" : Median(ratios) >= Goal ? "yes |\n" : "**no** |\n");
        }

        var failures = rows.Where(r => !r.Kind.StartsWith("ping", StringComparison.Ordinal) && !r.Kind.StartsWith("evalsha", StringComparison.Ordinal)).Sum(r => r.Failures);
        var degraded = rows.Count(r => r.Degraded);
        text.Append(CultureInfo.InvariantCulture, $"\nGoal ≥ 80 % of the ceiling: met at {List(met)} callers; missed at {List(missed)} callers.\n");
        text.Append(CultureInfo.InvariantCulture, $"Store degraded in {degraded} run(s); {failures} decision(s) answered by the failure mode.\n");

        if (rows.Any(r => r.Kind == "raw"))
        {
            text.Append("\nWhere the time goes. *SE.Redis alone*: the same EVALSHA (same KEYS and ARGV, built once per caller) straight through ");
            text.Append("`IDatabase.ScriptEvaluateAsync` on the same kind of multiplexer, without the store. *Pipelined*: redis-benchmark on one ");
            text.Append("connection with as many requests in flight as there are callers (`-c 1 -P callers`), as the multiplexer carries them. ");
            text.Append("CPU per request: Redis from INFO cpu, the client from its process time, both over the measured window.\n\n");
            text.Append("| callers | pipelined ops/s | SE.Redis alone ops/s (÷ ceiling) | Floodgate ÷ SE.Redis alone | Redis CPU µs per request: ceiling / pipelined / Floodgate | client CPU µs per decision: SE.Redis alone / Floodgate | allocated B per decision: SE.Redis alone / Floodgate |\n");
            text.Append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            foreach (var callers in rows.Where(r => r.Kind == "raw").Select(r => r.Callers).Distinct().Order())
            {
                var ceiling = Of(rows, "evalsha", callers);
                var pipelined = Of(rows, "evalsha-pipelined", callers);
                var raw = Of(rows, "raw", callers);
                var floodgate = Of(rows, "admit", callers);
                text.Append(CultureInfo.InvariantCulture, $"| {callers} | {Ops(pipelined)} | {Ops(raw)} ({Percent(Ratios(raw, ceiling))}) | {RatioWithRange(Ratios(floodgate, raw))} | ");
                text.Append(CultureInfo.InvariantCulture, $"{Number(ceiling, r => r.ServerCpuMicroseconds)} / {Number(pipelined, r => r.ServerCpuMicroseconds)} / {Number(floodgate, r => r.ServerCpuMicroseconds)} | ");
                text.Append(CultureInfo.InvariantCulture, $"{Number(raw, r => r.ClientCpuMicroseconds)} / {Number(floodgate, r => r.ClientCpuMicroseconds)} | ");
                text.Append(CultureInfo.InvariantCulture, $"{Number(raw, r => r.AllocatedBytes, "0")} / {Number(floodgate, r => r.AllocatedBytes, "0")} |\n");
            }
        }

        var attack = rows.Where(r => r.Kind.StartsWith("attack", StringComparison.Ordinal)).ToList();
        if (attack.Count > 0)
        {
            text.Append("\nAttack: every caller on one key over its limit (10/minute), store with the over-limit cache on or off.\n\n");
            text.Append("| over-limit cache | callers | decisions/s | p50 / p99 | decisions that needed a Redis round trip (round trips / decisions, all rounds) |\n");
            text.Append("| --- | ---: | ---: | ---: | ---: |\n");
            foreach (var callers in attack.Select(r => r.Callers).Distinct().Order())
            {
                foreach (var (kind, label) in new[] { ("attack-cache-on", "on"), ("attack-cache-off", "off") })
                {
                    var measured = Of(rows, kind, callers);
                    if (measured.Count > 0)
                    {
                        var trips = measured.Sum(r => r.RoundTrips);
                        var decisions = measured.Sum(r => r.RoundTrips + r.CacheHits);
                        var share = decisions == 0 ? "–" : string.Create(CultureInfo.InvariantCulture, $"{(double)trips / decisions:0.#####%} ({trips:N0} / {decisions:N0})");
                        text.Append(CultureInfo.InvariantCulture, $"| {label} | {callers} | {Ops(measured)} | {Latency(measured)} | {share} |\n");
                    }
                }

                var on = Of(rows, "attack-cache-on", callers);
                var off = Of(rows, "attack-cache-off", callers);
                var speedup = Ratios(on, off);
                if (speedup.Count > 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $"\nOver-limit cache on / off at {callers} callers: {Median(speedup):0.#}× the decisions per second [{speedup.Min():0.#}×–{speedup.Max():0.#}×].\n");
                }
            }
        }

        return text.ToString();
    }

    private static List<Row> Of(List<Row> rows, string kind, int callers) => rows.Where(r => r.Kind == kind && r.Callers == callers).ToList();

    private static List<double> Ratios(List<Row> numerator, List<Row> denominator) => numerator
        .Select(n => (n, d: denominator.FirstOrDefault(d => d.Round == n.Round)))
        .Where(p => p.d is not null && p.d.OpsPerSecond > 0)
        .Select(p => p.n.OpsPerSecond / p.d!.OpsPerSecond)
        .ToList();

    private static string Number(List<Row> rows, Func<Row, double> value, string format = "0.0") =>
        rows.Count == 0 ? "–" : Median(rows.Select(value).ToList()).ToString(format, CultureInfo.InvariantCulture);

    private static string Percent(List<double> ratios) => ratios.Count == 0 ? "–" : Median(ratios).ToString("P0", CultureInfo.InvariantCulture);

    private static string RatioWithRange(List<double> ratios) => ratios.Count == 0
        ? "–"
        : string.Create(CultureInfo.InvariantCulture, $"{Median(ratios):P0} [{ratios.Min():P0}–{ratios.Max():P0}]");

    private static string Ops(List<Row> rows) =>
        rows.Count == 0 ? "–" : Median(rows.Select(r => r.OpsPerSecond).ToList()).ToString("N0", CultureInfo.InvariantCulture);

    private static string Latency(List<Row> rows) => rows.Count == 0
        ? "–"
        : $"{Time(Median(rows.Select(r => r.P50Microseconds).ToList()))} / {Time(Median(rows.Select(r => r.P99Microseconds).ToList()))}";

    /// <summary>Microseconds below 1 ms, milliseconds above.</summary>
    public static string Time(double microseconds) => microseconds < 1000
        ? (microseconds < 10 ? microseconds.ToString("0.0", CultureInfo.InvariantCulture) : microseconds.ToString("0", CultureInfo.InvariantCulture)) + " µs"
        : (microseconds / 1000).ToString(microseconds < 10_000 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";

    private static string List(List<int> values) => values.Count == 0 ? "none" : string.Join(", ", values);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private sealed record Row(
        int Round,
        string Kind,
        int Callers,
        double OpsPerSecond,
        double P50Microseconds,
        double P99Microseconds,
        double RoundTripsPerDecision,
        long Failures,
        bool Degraded,
        long RoundTrips,
        long CacheHits,
        double ClientCpuMicroseconds,
        double AllocatedBytes,
        double ServerCpuMicroseconds);
}
