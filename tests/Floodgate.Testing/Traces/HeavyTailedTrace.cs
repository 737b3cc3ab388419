namespace Floodgate.Testing.Traces;

/// <summary>
/// A trace shaped like the traffic of Cloudflare's measurement of the sliding window counter: many sources, most of them
/// far under the limit, rates heavy-tailed, a few percent over the limit. Each source is a Poisson source at a rate,
/// in limits (1 = L per W), drawn from a Pareto distribution (scale 0.03, shape 1.1, capped at 30×): about 2 % of
/// sources are over their limit and the median source sends at 0.056× it; the few sources over the limit send about
/// half the requests.
/// </summary>
public static class HeavyTailedTrace
{
    public const double Scale = 0.03;
    public const double Shape = 1.1;
    public const double Cap = 30;

    public static readonly string[] KindNames = ["under half the limit", "at 0.5–1× the limit", "over the limit"];

    public static GeneratedTrace Generate(int sources, long duration, RateLimit limit, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var random = new SplitMix64(seed);
        var perMicrosecondAtTheLimit = (double)limit.Count / (limit.Window.Ticks / 10);
        var times = new List<long>();
        var owners = new List<int>();
        var kindOf = new int[sources];
        var over = 0;
        for (var source = 0; source < sources; source++)
        {
            var rate = Math.Min(Scale / Math.Pow(1 - random.NextDouble(), 1 / Shape), Cap);
            kindOf[source] = rate > 1 ? 2 : rate > 0.5 ? 1 : 0;
            over += rate > 1 ? 1 : 0;
            var perMicrosecond = rate * perMicrosecondAtTheLimit;
            for (var t = random.Gap(perMicrosecond) - 1; t < duration; t += random.Gap(perMicrosecond))
            {
                times.Add(GeneratedTrace.Start + t);
                owners.Add(source);
            }
        }

        var description =
            $"{times.Count:N0} requests from {sources:N0} sources over {duration / 60_000_000} min, limit {limit}; " +
            $"rates Pareto(scale {Scale}, shape {Shape}, cap {Cap}× the limit), {over:N0} sources ({(double)over / sources:P1}) over the limit; Poisson arrivals, seed {seed:X}";
        return GeneratedTrace.From(times, owners, kindOf, KindNames, description);
    }
}
