namespace Floodgate.Server.Stats;

/// <summary>The busiest rows of a table, kept in a heap of as many rows as are listed instead of sorting them all.</summary>
internal sealed class TrafficRanking
{
    // Busiest first, ties by name: as the rows are listed.
    private static readonly Comparer<TrafficRow> BusiestFirst = Comparer<TrafficRow>.Create(static (a, b) =>
    {
        var byTotal = (b.Allowed + b.Denied).CompareTo(a.Allowed + a.Denied);
        return byTotal != 0 ? byTotal : string.CompareOrdinal(a.Name, b.Name);
    });

    // The heap's head is the row listed last.
    private static readonly Comparer<TrafficRow> ListedLastFirst = Comparer<TrafficRow>.Create(static (a, b) => BusiestFirst.Compare(b, a));

    private readonly PriorityQueue<TrafficRow, TrafficRow> _heap = new(ListedLastFirst);
    private readonly int _count;
    private long _otherAllowed;
    private long _otherDenied;
    private bool _hasOther;

    /// <summary>A ranking that lists the <paramref name="count"/> busiest rows offered.</summary>
    public TrafficRanking(int count) => _count = count;

    /// <summary>Offers one row (rows of one name are expected once); a <see cref="TrafficTable.Other"/> row goes to the rest.</summary>
    public void Offer(string name, long allowed, long denied)
    {
        if (name != TrafficTable.Other && _count > 0)
        {
            if (_heap.Count < _count)
            {
                var row = new TrafficRow(name, allowed, denied);
                _heap.Enqueue(row, row);
                return;
            }

            // Only a row that enters the list is made: the rest are summed.
            var last = _heap.Peek();
            var total = allowed + denied;
            var lastTotal = last.Allowed + last.Denied;
            if (total > lastTotal || (total == lastTotal && string.CompareOrdinal(name, last.Name) < 0))
            {
                var row = new TrafficRow(name, allowed, denied);
                var dropped = _heap.EnqueueDequeue(row, row);
                (allowed, denied) = (dropped.Allowed, dropped.Denied);
            }
        }

        _hasOther = true;
        _otherAllowed += allowed;
        _otherDenied += denied;
    }

    /// <summary>The busiest rows, busiest first (ties by name); with <paramref name="sumTheRest"/> the others follow as one <see cref="TrafficTable.Other"/> row.</summary>
    public List<TrafficRow> Rows(bool sumTheRest)
    {
        var busiest = new List<TrafficRow>(_heap.Count + 1);
        while (_heap.TryDequeue(out var row, out _))
        {
            busiest.Add(row);
        }

        busiest.Reverse();
        if (sumTheRest && _hasOther)
        {
            busiest.Add(new TrafficRow(TrafficTable.Other, _otherAllowed, _otherDenied));
        }

        return busiest;
    }

    /// <summary>The <paramref name="count"/> busiest of <paramref name="rows"/>, as <see cref="Rows"/> lists them.</summary>
    public static List<TrafficRow> Busiest(IEnumerable<TrafficRow> rows, int count, bool sumTheRest)
    {
        var ranking = new TrafficRanking(count);
        foreach (var row in rows)
        {
            ranking.Offer(row.Name, row.Allowed, row.Denied);
        }

        return ranking.Rows(sumTheRest);
    }
}
