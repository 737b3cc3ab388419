using System.Text.Json.Serialization;

namespace Floodgate.AspNetCore;

/// <summary>The <c>application/problem+json</c> body of a rejection (RFC 9457 plus rate-limit members).</summary>
internal sealed record RejectionBody(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("retry_after")] long? RetryAfter,
    [property: JsonPropertyName("limit")] long Limit,
    [property: JsonPropertyName("policy")] string Policy,
    [property: JsonPropertyName("layer")] string Layer,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("client")] string Client);

[JsonSerializable(typeof(RejectionBody))]
internal sealed partial class FloodgateJsonContext : JsonSerializerContext
{
}
