using System.Text.Json.Serialization;

namespace Floodgate.Server.Health;

/// <summary>The body of <c>GET /health</c>: the overall status and each check's.</summary>
public sealed record HealthResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("checks")] IReadOnlyDictionary<string, HealthCheckResponse> Checks);
