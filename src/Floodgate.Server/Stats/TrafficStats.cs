using System.Collections.Concurrent;
using Floodgate.AspNetCore;
using Floodgate.Server.Live;

namespace Floodgate.Server.Stats;

/// <summary>
/// Running totals of this instance: allowed and denied requests overall, per endpoint and per client (the client
/// table is bounded: past its cap the quietest half is dropped).
/// </summary>
internal sealed class TrafficStats
{
    private const int MaxClients = 10_000;
    private readonly ConcurrentDictionary<string, TrafficCounter> _endpoints = new(StringComparer.Ordinal);
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
        _endpoints.GetOrAdd(endpoint, static _ => new TrafficCounter()).Add(allowed);
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

    public IEnumerable<TrafficRow> Endpoints() => TrafficCounter.Busiest(_endpoints, int.MaxValue);

    public IEnumerable<TrafficRow> TopClients(int count) => TrafficCounter.Busiest(_clients, count);

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
            var quiet = _clients.OrderBy(kv => kv.Value.Allowed + kv.Value.Denied).Take(MaxClients / 2).Select(kv => kv.Key).ToList();
            foreach (var key in quiet)
            {
                _clients.TryRemove(key, out _);
            }

            Volatile.Write(ref _clientCount, _clients.Count);
        }
        finally
        {
            Volatile.Write(ref _trimming, 0);
        }
    }
}

/// <summary>One row of traffic: an endpoint or a client, with its allowed and denied counts.</summary>
public sealed record TrafficRow(string Name, long Allowed, long Denied);

/// <summary>Allowed and denied requests of one endpoint or client, counted without a lock.</summary>
internal sealed class TrafficCounter
{
    private long _allowed;
    private long _denied;

    public long Allowed => Interlocked.Read(ref _allowed);

    public long Denied => Interlocked.Read(ref _denied);

    public void Add(bool allowed) => Interlocked.Increment(ref allowed ? ref _allowed : ref _denied);

    /// <summary>The <paramref name="count"/> busiest of <paramref name="counters"/>, busiest first (ties by name).</summary>
    public static List<TrafficRow> Busiest(IEnumerable<KeyValuePair<string, TrafficCounter>> counters, int count) =>
        counters.Select(kv => new TrafficRow(kv.Key, kv.Value.Allowed, kv.Value.Denied))
            .OrderByDescending(r => r.Allowed + r.Denied)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .Take(count)
            .ToList();
}

/// <summary>Records every limited request's outcome, in the totals and the live streams, after Floodgate decided it. Runs outside Floodgate, so it sees denials too.</summary>
internal sealed class TrafficStatsMiddleware(RequestDelegate next, TrafficStats stats, LiveStats live)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.Features.Get<IRateLimitFeature>() is { } feature)
        {
            var endpoint = context.Request.Method + " " + ((context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value);
            // What the client got decides: a request let through in shadow mode counts as allowed.
            var status = context.Response.StatusCode;
            var allowed = status is not (429 or 420 or 503);
            stats.Record(endpoint, feature.Client.Id, allowed);
            live.Record(endpoint, feature.Client.Id, feature.Policy, feature.Decision, status, allowed);
        }
    }
}
