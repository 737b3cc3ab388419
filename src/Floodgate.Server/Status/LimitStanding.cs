using System.Text.Json.Serialization;

namespace Floodgate.Server.Status;

/// <summary>The caller's standing on one limit of a policy: times in seconds.</summary>
public sealed record LimitStanding(
    [property: JsonPropertyName("limit")] string Limit,
    [property: JsonPropertyName("remaining")] long Remaining,
    [property: JsonPropertyName("reset_after")] double ResetAfter,
    [property: JsonPropertyName("allowed")] bool Allowed);
