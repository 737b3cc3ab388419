using System.Text.Json.Serialization;

namespace Floodgate.Server.Status;

/// <summary>The caller's standing on one policy.</summary>
public sealed record PolicyStanding(
    [property: JsonPropertyName("policy")] string Policy,
    [property: JsonPropertyName("path")] string? Path,
    [property: JsonPropertyName("methods")] IEnumerable<string>? Methods,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("limits")] IReadOnlyList<LimitStanding> Limits);
