using System.Collections.Concurrent;
using Floodgate.AspNetCore;
using Floodgate.Server.Live;

namespace Floodgate.Server.Stats;

/// <summary>
/// Running totals of this instance: allowed and denied requests overall, per endpoint and per client. Both tables are
/// bounded whatever a client sends: endpoints are named by method and route template (<see cref="EndpointNames"/>) and
/// capped, past the cap counting under <see cref="TrafficTable.Other"/>; past its cap the client table drops its
/// quietest half.
/// </summary>
internal sealed class TrafficStats
{
    public const int MaxEndpoints = 1_000;
    public const int ResponseEndpoints = 50;
    private const int MaxClients = 10_000;
    private readonly TrafficTable _endpoints = new(MaxEndpoints);
    private readonly ConcurrentDictionary<string, TrafficCounter> _clients = new(StringComparer.Ordinal);
    private long _allowed;
    private long _denied;
    private int _clientCount;
    private int _trimming;

    public long Allowed => Interlocked.Read(ref _allowed);

    public long Denied => Interlocked.Read(ref _denied);

    public void Record(string endpoint, string client, bool allowed)
    {
        Interlocked.Increment(ref allowed ? ref _allowed : ref _denied);
        _endpoints.Add(endpoint, allowed);
        if (!_clients.TryGetValue(client, out var counter))
        {
            // Counted here: ConcurrentDictionary.Count takes every lock of the dictionary.
            if (Interlocked.Increment(ref _clientCount) > MaxClients)
            {
                Trim();
            }

            counter = _clients.GetOrAdd(client, static _ => new TrafficCounter());
        }

        counter.Add(allowed);
    }

    /// <summary>The <see cref="ResponseEndpoints"/> busiest endpoints, then the rest summed as <see cref="TrafficTable.Other"/>.</summary>
    public List<TrafficRow> Endpoints() => _endpoints.Busiest(ResponseEndpoints, sumTheRest: true);

    public List<TrafficRow> TopClients(int count) => TrafficCounter.Busiest(TrafficCounter.Rows(_clients), count, sumTheRest: false);

    public TrafficRow? Client(string client) =>
        _clients.TryGetValue(client, out var counter) ? new TrafficRow(client, counter.Allowed, counter.Denied) : null;

    private void Trim()
    {
        if (Interlocked.Exchange(ref _trimming, 1) == 1)
        {
            return; // another request is trimming
        }

        try
        {
            // Enumerated, never copied: ConcurrentDictionary's enumerator tolerates requests adding clients meanwhile,
            // while LINQ's ToArray sizes an array by Count and then fails when clients arrived in between.
            var snapshot = new List<(string Client, long Total)>(MaxClients + 64);
            foreach (var (client, counter) in _clients)
            {
                snapshot.Add((client, counter.Allowed + counter.Denied));
            }

            snapshot.Sort(static (a, b) => a.Total.CompareTo(b.Total));
            for (var i = 0; i < snapshot.Count / 2; i++)
            {
                _clients.TryRemove(snapshot[i].Client, out _);
            }

            var count = 0;
            foreach (var _ in _clients)
            {
                count++;
            }

            Volatile.Write(ref _clientCount, count);
        }
        finally
        {
            Volatile.Write(ref _trimming, 0);
        }
    }
}

/// <summary>
/// The endpoint a request counts under: its method (or OTHER) and its route template (or (unmatched)), never its raw
/// path or method, one string per pair, made once.
/// </summary>
internal static class EndpointNames
{
    public const string Unmatched = "(unmatched)";
    public const string OtherMethod = "OTHER";

    // Bounded: the standard methods (and OTHER) times the application's route templates (and Unmatched).
    private static readonly ConcurrentDictionary<(string Method, string Route), string> Names = new();

    public static string Of(HttpContext context)
    {
        var method = Method(context.Request.Method);
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? Unmatched;
        return Names.TryGetValue((method, route), out var name) ? name : Names.GetOrAdd((method, route), static key => key.Method + " " + key.Route);
    }

    /// <summary>A standard method by its name; any other (made-up, or in the wrong case) as <see cref="OtherMethod"/>.</summary>
    public static string Method(string method) =>
        HttpMethods.IsGet(method) ? HttpMethods.Get
        : HttpMethods.IsPost(method) ? HttpMethods.Post
        : HttpMethods.IsPut(method) ? HttpMethods.Put
        : HttpMethods.IsDelete(method) ? HttpMethods.Delete
        : HttpMethods.IsPatch(method) ? HttpMethods.Patch
        : HttpMethods.IsHead(method) ? HttpMethods.Head
        : HttpMethods.IsOptions(method) ? HttpMethods.Options
        : HttpMethods.IsTrace(method) ? HttpMethods.Trace
        : HttpMethods.IsConnect(method) ? HttpMethods.Connect
        : OtherMethod;
}

/// <summary>
/// Counters by name, at most <c>capacity</c> names: past it, new names count under <see cref="Other"/>, so that
/// no sender can grow the table.
/// </summary>
internal sealed class TrafficTable(int capacity)
{
    /// <summary>The row that sums what is not listed (past a table's cap, or past the rows an answer shows).</summary>
    public const string Other = "(other)";

    private readonly ConcurrentDictionary<string, TrafficCounter> _counters = new(StringComparer.Ordinal);
    private int _count;

    public void Add(string name, bool allowed)
    {
        if (!_counters.TryGetValue(name, out var counter))
        {
            // Counted here: ConcurrentDictionary.Count takes every lock of the dictionary. Requests racing past the
            // check may overshoot the cap by their number, never more.
            counter = Volatile.Read(ref _count) < capacity ? AddNew(name) : _counters.GetOrAdd(Other, static _ => new TrafficCounter());
        }

        counter.Add(allowed);
    }

    /// <summary>The <paramref name="count"/> busiest rows, busiest first, and with <paramref name="sumTheRest"/> the rest as one <see cref="Other"/> row.</summary>
    public List<TrafficRow> Busiest(int count, bool sumTheRest) => TrafficCounter.Busiest(TrafficCounter.Rows(_counters), count, sumTheRest);

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

/// <summary>One row of traffic: an endpoint or a client, with its allowed and denied counts.</summary>
public sealed record TrafficRow(string Name, long Allowed, long Denied);

/// <summary>Allowed and denied requests of one endpoint or client, counted without a lock.</summary>
internal sealed class TrafficCounter
{
    // Busiest first, ties by name: as the rows are listed.
    private static readonly Comparer<TrafficRow> BusiestFirst = Comparer<TrafficRow>.Create(static (a, b) =>
    {
        var byTotal = (b.Allowed + b.Denied).CompareTo(a.Allowed + a.Denied);
        return byTotal != 0 ? byTotal : string.CompareOrdinal(a.Name, b.Name);
    });

    // The heap's head is the row listed last.
    private static readonly Comparer<TrafficRow> ListedLastFirst = Comparer<TrafficRow>.Create(static (a, b) => BusiestFirst.Compare(b, a));

    private long _allowed;
    private long _denied;

    public long Allowed => Interlocked.Read(ref _allowed);

    public long Denied => Interlocked.Read(ref _denied);

    public void Add(bool allowed) => Interlocked.Increment(ref allowed ? ref _allowed : ref _denied);

    /// <summary>The counters as rows, read one by one while requests go on counting (never copied by Count, which a concurrent add outgrows).</summary>
    public static IEnumerable<TrafficRow> Rows(ConcurrentDictionary<string, TrafficCounter> counters)
    {
        foreach (var (name, counter) in counters)
        {
            yield return new TrafficRow(name, counter.Allowed, counter.Denied);
        }
    }

    /// <summary>
    /// The <paramref name="count"/> busiest of <paramref name="rows"/>, busiest first (ties by name), kept in a heap of
    /// <paramref name="count"/> rows instead of sorting them all; rows of one name are expected once. With
    /// <paramref name="sumTheRest"/>, the others (and any <see cref="TrafficTable.Other"/> row) follow as one
    /// <see cref="TrafficTable.Other"/> row.
    /// </summary>
    public static List<TrafficRow> Busiest(IEnumerable<TrafficRow> rows, int count, bool sumTheRest)
    {
        var heap = new PriorityQueue<TrafficRow, TrafficRow>(ListedLastFirst);
        long otherAllowed = 0, otherDenied = 0;
        var hasOther = false;
        foreach (var row in rows)
        {
            var rest = row;
            if (row.Name != TrafficTable.Other)
            {
                if (heap.Count < count)
                {
                    heap.Enqueue(row, row);
                    continue;
                }

                rest = heap.EnqueueDequeue(row, row);
            }

            hasOther = true;
            otherAllowed += rest.Allowed;
            otherDenied += rest.Denied;
        }

        var busiest = new List<TrafficRow>(heap.Count + 1);
        while (heap.TryDequeue(out var row, out _))
        {
            busiest.Add(row);
        }

        busiest.Reverse();
        if (sumTheRest && hasOther)
        {
            busiest.Add(new TrafficRow(TrafficTable.Other, otherAllowed, otherDenied));
        }

        return busiest;
    }
}

/// <summary>Records every limited request's outcome, in the totals and the live streams, after Floodgate decided it. Runs outside Floodgate, so it sees denials too.</summary>
internal sealed class TrafficStatsMiddleware(RequestDelegate next, TrafficStats stats, LiveStats live)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.Features.Get<IRateLimitFeature>() is { } feature)
        {
            var endpoint = EndpointNames.Of(context);
            // What the client got decides: a request let through in shadow mode counts as allowed.
            var status = context.Response.StatusCode;
            var allowed = status is not (429 or 420 or 503);
            stats.Record(endpoint, feature.Client.Id, allowed);
            live.Record(endpoint, feature.Client.Id, feature.Policy, feature.Decision, status, allowed);
        }
    }
}
