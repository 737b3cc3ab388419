namespace Floodgate.Server.Recording;

/// <summary>One recorded request, read back with its strings.</summary>
/// <param name="Time">When the limiter decided.</param>
/// <param name="Client">The client id.</param>
/// <param name="Tier">The client's tier, when it had one.</param>
/// <param name="Endpoint">Method and route template, as <c>GET /api/data</c>.</param>
/// <param name="Policy">The policy that applied.</param>
/// <param name="Cost">The units the request took.</param>
/// <param name="Layer">The layer whose decision spoke for the request.</param>
/// <param name="Outcome">What was decided.</param>
internal readonly record struct RecordedRequest(
    DateTimeOffset Time,
    string Client,
    string? Tier,
    string Endpoint,
    string Policy,
    long Cost,
    RateLimitLayer Layer,
    RecordedOutcome Outcome)
{
    /// <summary>Whether the limiter admitted it (a denial let through counts as denied: the limiter said no).</summary>
    public bool Allowed => Outcome == RecordedOutcome.Allowed;
}
