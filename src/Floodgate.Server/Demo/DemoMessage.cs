using System.Text.Json.Serialization;

namespace Floodgate.Server.Demo;

/// <summary>A demo route's answer: a message, and for <c>/auth/login</c> a token.</summary>
public sealed record DemoMessage(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Token = null);
