using Floodgate.AspNetCore.Replay;
using Floodgate.Server.Stats;

namespace Floodgate.Server.Recording;

/// <summary>One recorded request, read back with its strings.</summary>
/// <param name="Time">When it reached the service, microseconds before Floodgate decided.</param>
/// <param name="Client">The client id.</param>
/// <param name="Tier">The client's tier, when it had one.</param>
/// <param name="Endpoint">Method and route template, as <c>GET /api/items/{id}</c> (see <see cref="EndpointNames"/>).</param>
/// <param name="Path">The request path, as rules match it.</param>
/// <param name="Policy">The policy that applied.</param>
/// <param name="Layer">The layer whose decision spoke for the request.</param>
/// <param name="Outcome">What was decided.</param>
internal readonly record struct RecordedRequest(
    DateTimeOffset Time,
    string Client,
    string? Tier,
    string Endpoint,
    string Path,
    string Policy,
    RateLimitLayer Layer,
    RecordedOutcome Outcome)
{
    /// <summary>
    /// The request as the replay engine reads it: admitted only when the limiter admitted it (a denial let through by
    /// shadow mode or slow-down was still the limiter's "no"); one permit, as every HTTP request asks; a request no
    /// route matched keyed by its method and path, as the per-endpoint layer keys it.
    /// </summary>
    public TraceRecord ToTrace()
    {
        var space = Endpoint.IndexOf(' ', StringComparison.Ordinal);
        var method = space < 0 ? Endpoint : Endpoint[..space];
        var routed = !Endpoint.EndsWith(EndpointNames.Unmatched, StringComparison.Ordinal);
        return new TraceRecord(TraceRecord.ToTimestamp(Time), Client, method, Path, Outcome == RecordedOutcome.Allowed, Tier, 1, routed ? Endpoint : null);
    }
}
