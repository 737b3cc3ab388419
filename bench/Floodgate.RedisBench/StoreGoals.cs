using System.Globalization;
using System.Text;

namespace Floodgate.RedisBench;

/// <summary>
/// The Redis store's goals next to what a results file measured: Floodgate (kind <c>admit</c>) against the fixed
/// reference (kind <c>reference</c>: redis-benchmark running bench/redis/token-bucket.lua, a minimal token bucket), at
/// each number of callers, in the same rounds. Values are medians over rounds; a ratio is the median of the per-round
/// ratios, with the per-round values beside it.
/// </summary>
internal static class StoreGoals
{
    public static string Markdown(IEnumerable<string> lines)
    {
        var rows = new List<Row>();
        foreach (var line in lines)
        {
            var f = line.Split('\t');
            if (f.Length < 17 || !int.TryParse(f[0], CultureInfo.InvariantCulture, out var round) || round < 1 || f[1] is not ("admit" or "reference"))
            {
                continue;
            }

            rows.Add(new Row(
                round,
                f[1],
                int.Parse(f[2], CultureInfo.InvariantCulture),
                double.Parse(f[3], CultureInfo.InvariantCulture),
                double.Parse(f[13], CultureInfo.InvariantCulture),
                double.Parse(f[14], CultureInfo.InvariantCulture),
                double.Parse(f[15], CultureInfo.InvariantCulture),
                double.Parse(f[16], CultureInfo.InvariantCulture)));
        }

        var text = new StringBuilder();
        if (rows.Count == 0)
        {
            return text.ToString();
        }

        text.Append("\nFloodgate (RedisRateLimitStore, admissions on one key per caller) against the fixed reference: redis-benchmark ");
        text.Append("running a minimal token bucket (`bench/redis/token-bucket.lua`: HMGET, arithmetic, HSET, PEXPIRE) by EVALSHA on ");
        text.Append("random keys, as many connections as callers. Redis CPU: INFO cpu (used_cpu_sys + used_cpu_user) over the run ÷ ");
        text.Append("decisions (or calls), the network included; inside scripts: the time INFO commandstats gives the script calls ÷ decisions, ");
        text.Append("the script's own work without the network; scripts and commands: INFO commandstats ÷ decisions (commands include those a script runs).\n\n");
        text.Append("| callers | reference ops/s | reference Redis CPU µs/call (inside the script) | Floodgate decisions/s | Floodgate Redis CPU µs/decision (inside scripts) | Floodgate scripts / commands per decision | Floodgate ÷ reference (per round) |\n");
        text.Append("| ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        foreach (var callers in rows.Select(r => r.Callers).Distinct().Order())
        {
            var reference = Of(rows, "reference", callers);
            var floodgate = Of(rows, "admit", callers);
            text.Append(CultureInfo.InvariantCulture, $"| {callers} | {Median(reference, r => r.OpsPerSecond, "N0")} | {Median(reference, r => r.RedisCpu, "0.0")} ({Median(reference, r => r.ScriptMicroseconds, "0.0")}) | ");
            text.Append(CultureInfo.InvariantCulture, $"{Median(floodgate, r => r.OpsPerSecond, "N0")} | {Median(floodgate, r => r.RedisCpu, "0.0")} ({Median(floodgate, r => r.ScriptMicroseconds, "0.0")}) | ");
            text.Append(CultureInfo.InvariantCulture, $"{Median(floodgate, r => r.Scripts, "0.000")} / {Median(floodgate, r => r.Executed, "0.000")} | {Ratios(PerRound(floodgate), PerRound(reference))} |\n");
        }

        // The best of each side in a round, whatever the number of callers: Floodgate's peak against the reference's ceiling.
        var floodgateBest = rows.Where(r => r.Kind == "admit").GroupBy(r => r.Round).ToDictionary(g => g.Key, g => g.Max(r => r.OpsPerSecond));
        var referenceBest = rows.Where(r => r.Kind == "reference").GroupBy(r => r.Round).ToDictionary(g => g.Key, g => g.Max(r => r.OpsPerSecond));

        text.Append("\nGoals of the Redis store:\n\n");
        text.Append("| goal | measured | target | met | per round |\n");
        text.Append("| --- | ---: | ---: | :---: | --- |\n");
        Goal(text, "Redis CPU µs per decision, 1 caller (unbatched)", PerRound(Of(rows, "admit", 1), r => r.RedisCpu), "≤ 8", v => v <= 8, "0.0");
        Goal(text, "Redis CPU µs per decision, 64 callers", PerRound(Of(rows, "admit", 64), r => r.RedisCpu), "≤ 3", v => v <= 3, "0.0");
        Goal(text, "decisions/s, 256 callers, one shard", PerRound(Of(rows, "admit", 256), r => r.OpsPerSecond), "≥ 150,000", v => v >= 150_000, "N0");
        var ceiling = floodgateBest.Keys.Where(referenceBest.ContainsKey).Order()
            .ToDictionary(round => round, round => floodgateBest[round] / referenceBest[round]);
        Goal(text, "Floodgate's best decisions/s ÷ the reference script's best ops/s (any callers)", ceiling, "> 1", v => v > 1, "0.00");
        return text.ToString();
    }

    private static void Goal(StringBuilder text, string goal, Dictionary<int, double> perRound, string target, Func<double, bool> met, string format)
    {
        if (perRound.Count == 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {goal} | – | {target} | – | |\n");
            return;
        }

        var median = Median(perRound.Values.ToList());
        var rounds = string.Join(" / ", perRound.OrderBy(p => p.Key).Select(p => p.Value.ToString(format, CultureInfo.InvariantCulture)));
        text.Append(CultureInfo.InvariantCulture, $"| {goal} | {median.ToString(format, CultureInfo.InvariantCulture)} | {target} | {(met(median) ? "yes" : "**no**")} | {rounds} |\n");
    }

    private static List<Row> Of(List<Row> rows, string kind, int callers) => rows.Where(r => r.Kind == kind && r.Callers == callers).ToList();

    private static Dictionary<int, double> PerRound(List<Row> rows, Func<Row, double>? value = null) =>
        rows.GroupBy(r => r.Round).ToDictionary(g => g.Key, g => (value ?? (r => r.OpsPerSecond))(g.First()));

    private static string Ratios(Dictionary<int, double> numerator, Dictionary<int, double> denominator)
    {
        var ratios = numerator.Where(n => denominator.TryGetValue(n.Key, out var d) && d > 0).OrderBy(n => n.Key).Select(n => n.Value / denominator[n.Key]).ToList();
        return ratios.Count == 0
            ? "–"
            : string.Create(CultureInfo.InvariantCulture, $"{Median(ratios):0.00} ({string.Join(" / ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))})");
    }

    private static string Median(List<Row> rows, Func<Row, double> value, string format) =>
        rows.Count == 0 ? "–" : Median(rows.Select(value).ToList()).ToString(format, CultureInfo.InvariantCulture);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private sealed record Row(int Round, string Kind, int Callers, double OpsPerSecond, double RedisCpu, double Scripts, double Executed, double ScriptMicroseconds);
}
