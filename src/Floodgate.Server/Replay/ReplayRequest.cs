using System.Text.Json.Serialization;
using Floodgate.Server.Policies;

namespace Floodgate.Server.Replay;

/// <summary>The body of <c>POST /admin/replay</c>: candidate policies and the stretch of recorded traffic to try them on.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ReplayRequest
{
    /// <summary>
    /// The run-time policies to try, in the JSON of <c>/admin/configs</c>, first match wins; they take the place of the
    /// stored ones (the configured rules stay). Omitted: the stored policies, as in force now.
    /// </summary>
    [JsonPropertyName("policies")]
    public List<PolicyDocument>? Policies { get; init; }

    /// <summary>Start of the range; default: the recording window before <see cref="To"/>.</summary>
    [JsonPropertyName("from")]
    public DateTimeOffset? From { get; init; }

    /// <summary>End of the range; default: now.</summary>
    [JsonPropertyName("to")]
    public DateTimeOffset? To { get; init; }

    /// <summary>How many endpoints and clients the report lists, the most affected first; default 20, at most 100.</summary>
    [JsonPropertyName("top")]
    public int? Top { get; init; }
}
