using System.Text.Json.Serialization;

namespace Floodgate.Server.Decisions;

/// <summary>One question to the decision API: a key and either a limit (with algorithm and cost) or a configured policy.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CheckRequest
{
    /// <summary>Who is limited, in the caller's own terms (a user id, an IP, a tenant).</summary>
    [JsonPropertyName("key")]
    public string? Key { get; init; }

    /// <summary>Limit notation, e.g. <c>10/minute</c>.</summary>
    [JsonPropertyName("limit")]
    public string? Limit { get; init; }

    /// <summary>The algorithm; default: the configured one.</summary>
    [JsonPropertyName("algorithm")]
    public string? Algorithm { get; init; }

    /// <summary>Units this request takes; default 1.</summary>
    [JsonPropertyName("cost")]
    public long? Cost { get; init; }

    /// <summary>A configured or admin policy name, instead of <see cref="Limit"/>.</summary>
    [JsonPropertyName("policy")]
    public string? Policy { get; init; }
}
