using System.Text.Json.Serialization;

namespace Floodgate.Server.Status;

/// <summary>The body of <c>GET /rate-limit/status</c>: who the caller is to Floodgate, its ban, and its standing on every policy.</summary>
public sealed record StatusResponse(
    [property: JsonPropertyName("client")] string Client,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("verified")] bool Verified,
    [property: JsonPropertyName("banned")] bool Banned,
    [property: JsonPropertyName("ban_expires_at")] DateTimeOffset? BanExpiresAt,
    [property: JsonPropertyName("retry_after")] double? RetryAfter,
    [property: JsonPropertyName("policies")] IReadOnlyList<PolicyStanding> Policies);
