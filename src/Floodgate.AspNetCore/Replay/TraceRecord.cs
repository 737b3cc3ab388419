namespace Floodgate.AspNetCore.Replay;

/// <summary>
/// One request as a limiter saw it: when, who, what, and what was decided. The unit of a trace that
/// <see cref="ReplayEngine"/> replays. 56 bytes; the strings are shared between records of the same client or route.
/// </summary>
/// <param name="Timestamp">When it was decided, in microseconds since the Unix epoch (the unit every algorithm decides in); see <see cref="ToTimestamp"/>.</param>
/// <param name="Client">Who sent it: the client id (<c>ip:203.0.113.7</c>, <c>user:alice</c>), or any text that tells clients apart.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The request path without the query, as rules match it (<c>/api/items/42</c>).</param>
/// <param name="Admitted">What was actually decided: admitted or denied.</param>
/// <param name="Tier">The client's tier, when it had one.</param>
/// <param name="Cost">The permits the request asked for (1 for an HTTP request); a policy's own cost multiplies it.</param>
/// <param name="Endpoint">The endpoint key (<c>GET /api/items/{id}</c>) that groups the report and keys the per-endpoint layer; <c>Method Path</c> when null.</param>
public readonly record struct TraceRecord(
    long Timestamp,
    string Client,
    string Method,
    string Path,
    bool Admitted,
    string? Tier = null,
    int Cost = 1,
    string? Endpoint = null)
{
    /// <summary><see cref="Timestamp"/> as a time.</summary>
    public DateTimeOffset Time => new(DateTime.UnixEpoch.Ticks + (Timestamp * 10), TimeSpan.Zero);

    /// <summary>A time as a <see cref="Timestamp"/>: whole microseconds since the Unix epoch, as Floodgate's algorithms read a clock.</summary>
    /// <param name="time">The time.</param>
    public static long ToTimestamp(DateTimeOffset time) => (time.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
}
