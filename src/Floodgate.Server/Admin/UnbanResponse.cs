using System.Text.Json.Serialization;

namespace Floodgate.Server.Admin;

/// <summary>The body of a lifted ban.</summary>
public sealed record UnbanResponse(
    [property: JsonPropertyName("client")] string Client,
    [property: JsonPropertyName("unbanned")] bool Unbanned);
