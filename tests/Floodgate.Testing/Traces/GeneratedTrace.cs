namespace Floodgate.Testing.Traces;

/// <summary>
/// Requests sorted by time, as parallel arrays of times (microseconds since the Unix epoch) and client numbers, with a
/// kind per client (what the generator made of it) for tallies by kind. Plain BCL code: the benchmarks compile these
/// files too.
/// </summary>
public sealed class GeneratedTrace
{
    /// <summary>Midnight UTC on 2026-01-01 in microseconds: aligned to every window of a minute, an hour and a day.</summary>
    public static readonly long Start = (new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks - DateTime.UnixEpoch.Ticks) / 10;

    public GeneratedTrace(long[] times, int[] clients, int[] kindOf, IReadOnlyList<string> kindNames, string description)
    {
        Times = times;
        Clients = clients;
        KindOf = kindOf;
        KindNames = kindNames;
        Description = description;
    }

    public long[] Times { get; }

    public int[] Clients { get; }

    /// <summary>The kind of each client: an index into <see cref="KindNames"/>.</summary>
    public int[] KindOf { get; }

    public IReadOnlyList<string> KindNames { get; }

    public string Description { get; }

    public int Count => Times.Length;

    /// <summary>Sorts what a generator emitted into a trace.</summary>
    public static GeneratedTrace From(List<long> times, List<int> clients, int[] kindOf, IReadOnlyList<string> kindNames, string description)
    {
        var timeArray = times.ToArray();
        var clientArray = clients.ToArray();
        Array.Sort(timeArray, clientArray);
        return new GeneratedTrace(timeArray, clientArray, kindOf, kindNames, description);
    }
}
