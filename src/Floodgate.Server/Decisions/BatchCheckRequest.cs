using System.Text.Json.Serialization;

namespace Floodgate.Server.Decisions;

/// <summary>Several questions in one call; with <see cref="Atomic"/> they are decided as one (all admitted or none consumed).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BatchCheckRequest
{
    [JsonPropertyName("checks")]
    public List<CheckRequest>? Checks { get; init; }

    [JsonPropertyName("atomic")]
    public bool Atomic { get; init; }
}
