namespace Floodgate.Testing.Traces;

/// <summary>
/// A trace where a third of the clients live at or over the limit on purpose: each client is a Poisson source at a rate
/// given in limits (1 = the limit's own rate, L per W): 40 % steady well under it (0.1–0.6), 25 % steady around it
/// (0.8–1.2), 15 % steady far over it (2–8), 20 % bursty: on at 3–6 for 5–40 s, then off for 30–300 s.
/// </summary>
public static class AdversarialTrace
{
    public const int KindCount = 4;

    public static readonly string[] KindNames = ["under (0.1–0.6×)", "around (0.8–1.2×)", "far over (2–8×)", "bursty (3–6× on/off)"];

    public static GeneratedTrace Generate(int clients, long duration, RateLimit limit, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(limit);
        const long second = 1_000_000;
        var random = new SplitMix64(seed);
        var perMicrosecondAtTheLimit = (double)limit.Count / (limit.Window.Ticks / 10);
        var times = new List<long>(1_200_000);
        var owners = new List<int>(1_200_000);
        var classes = new int[KindCount];
        var kindOf = new int[clients];
        for (var client = 0; client < clients; client++)
        {
            var kind = random.NextDouble();
            if (kind < 0.80)
            {
                var rate = kind < 0.40 ? random.Between(0.1, 0.6) : kind < 0.65 ? random.Between(0.8, 1.2) : random.Between(2, 8);
                kindOf[client] = kind < 0.40 ? 0 : kind < 0.65 ? 1 : 2;
                classes[kindOf[client]]++;
                Emit(client, 0, duration, rate * perMicrosecondAtTheLimit);
            }
            else
            {
                kindOf[client] = 3;
                classes[3]++;
                var t = (long)random.Between(0, 300 * second);
                while (t < duration)
                {
                    var on = (long)random.Between(5 * second, 40 * second);
                    Emit(client, t, Math.Min(t + on, duration), random.Between(3, 6) * perMicrosecondAtTheLimit);
                    t += on + (long)random.Between(30 * second, 300 * second);
                }
            }
        }

        var description =
            $"{times.Count:N0} requests from {clients:N0} clients over {duration / (60 * second)} min " +
            $"({classes[0]} at 0.1–0.6× the limit, {classes[1]} at 0.8–1.2×, {classes[2]} at 2–8×, {classes[3]} bursty on/off at 3–6×; Poisson arrivals, seed {seed:X})";
        return GeneratedTrace.From(times, owners, kindOf, KindNames, description);

        void Emit(int client, long from, long until, double ratePerMicrosecond)
        {
            var t = from + (long)(-Math.Log(1 - random.NextDouble()) / ratePerMicrosecond);
            while (t < until)
            {
                times.Add(GeneratedTrace.Start + t);
                owners.Add(client);
                t += 1 + (long)(-Math.Log(1 - random.NextDouble()) / ratePerMicrosecond);
            }
        }
    }
}
