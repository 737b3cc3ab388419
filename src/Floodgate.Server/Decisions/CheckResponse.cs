using System.Text.Json.Serialization;

namespace Floodgate.Server.Decisions;

/// <summary>An answer: times in seconds.</summary>
public sealed record CheckResponse(
    [property: JsonPropertyName("allowed")] bool Allowed,
    [property: JsonPropertyName("limit")] long Limit,
    [property: JsonPropertyName("remaining")] long Remaining,
    [property: JsonPropertyName("reset_after")] double ResetAfter,
    [property: JsonPropertyName("retry_after")] double? RetryAfter,
    [property: JsonPropertyName("reason")] string? Reason);
