using System.Collections.Concurrent;

namespace Floodgate.Server.Stats;

/// <summary>
/// Counters by name, at most <c>capacity</c> names: past it, new names count under <see cref="Other"/>, so that
/// no sender can grow the table. A request finds its counter without a lock and, once its name is known, without
/// allocating.
/// </summary>
internal sealed class TrafficTable(int capacity)
{
    /// <summary>The row that sums what is not listed (past a table's cap, or past the rows an answer shows).</summary>
    public const string Other = "(other)";

    private readonly ConcurrentDictionary<string, TrafficCounter> _counters = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Names counted, <see cref="Other"/> included.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Add(string name, bool allowed)
    {
        if (!_counters.TryGetValue(name, out var counter))
        {
            // Counted here: ConcurrentDictionary.Count takes every lock of the dictionary. Requests racing past the
            // check may overshoot the cap by their number, never more.
            counter = Volatile.Read(ref _count) < capacity ? AddNew(name) : _counters.TryGetValue(Other, out var other) ? other : AddNew(Other);
        }

        counter.Add(allowed);
    }

    public TrafficRow? Get(string name) =>
        _counters.TryGetValue(name, out var counter) ? new TrafficRow(name, counter.Allowed, counter.Denied) : null;

    /// <summary>Every request counted: the sum of all rows.</summary>
    public (long Allowed, long Denied) Totals()
    {
        long allowed = 0, denied = 0;
        foreach (var (_, counter) in _counters)
        {
            allowed += counter.Allowed;
            denied += counter.Denied;
        }

        return (allowed, denied);
    }

    /// <summary>The <paramref name="count"/> busiest rows since counting began, busiest first, and with <paramref name="sumTheRest"/> the rest as one <see cref="Other"/> row.</summary>
    public List<TrafficRow> Busiest(int count, bool sumTheRest)
    {
        // Enumerated, never copied: the enumerator tolerates requests adding names meanwhile.
        var ranking = new TrafficRanking(count);
        foreach (var (name, counter) in _counters)
        {
            ranking.Offer(name, counter.Allowed, counter.Denied);
        }

        return ranking.Rows(sumTheRest);
    }

    /// <summary>
    /// Takes what each row added since the previous call (by the pipeline alone, once a second) into
    /// <paramref name="ranking"/>, and returns the sum over all rows.
    /// </summary>
    public (long Allowed, long Denied) TakeSecond(TrafficRanking ranking)
    {
        long allowed = 0, denied = 0;
        foreach (var (name, counter) in _counters)
        {
            var (a, d) = counter.TakeSecond();
            if (a + d > 0)
            {
                allowed += a;
                denied += d;
                ranking.Offer(name, a, d);
            }
        }

        return (allowed, denied);
    }

    /// <summary>Once the table is full, forgets its quietest half (by the pipeline alone): new names get rows again.</summary>
    public void TrimWhenFull()
    {
        if (Count < capacity)
        {
            return;
        }

        var snapshot = new List<(string Name, long Total)>(capacity + 64);
        foreach (var (name, counter) in _counters)
        {
            snapshot.Add((name, counter.Allowed + counter.Denied));
        }

        snapshot.Sort(static (a, b) => a.Total.CompareTo(b.Total));
        var removed = 0;
        for (var i = 0; i < snapshot.Count / 2; i++)
        {
            if (snapshot[i].Name != Other && _counters.TryRemove(snapshot[i].Name, out _))
            {
                removed++;
            }
        }

        Interlocked.Add(ref _count, -removed);
    }

    private TrafficCounter AddNew(string name)
    {
        var counter = new TrafficCounter();
        if (_counters.TryAdd(name, counter))
        {
            Interlocked.Increment(ref _count);
            return counter;
        }

        return _counters.GetOrAdd(name, counter); // added meanwhile by another request: that one
    }
}
