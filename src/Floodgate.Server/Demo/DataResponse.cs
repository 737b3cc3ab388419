using System.Text.Json.Serialization;

namespace Floodgate.Server.Demo;

/// <summary>The body of <c>GET /api/data</c>.</summary>
public sealed record DataResponse(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("items")] IReadOnlyList<string> Items);
