using System.Text.Json.Serialization;

namespace Floodgate.Server.Demo;

/// <summary>The body of <c>POST /api/submit</c>: how many fields the object had.</summary>
public sealed record SubmitResponse(
    [property: JsonPropertyName("received")] int Received,
    [property: JsonPropertyName("message")] string Message);
