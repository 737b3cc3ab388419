using System.Text.Json.Serialization;

namespace Floodgate.Server.Health;

/// <summary>One health check in <see cref="HealthResponse"/>.</summary>
public sealed record HealthCheckResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("description")] string? Description);
