using System.Text.Json.Serialization;

namespace Floodgate.Server.Info;

/// <summary>The body of <c>GET /</c>: what runs here and where its parts are.</summary>
public sealed record ServiceInfo(
    [property: JsonPropertyName("service")] string Service,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("store")] string Store,
    [property: JsonPropertyName("policies")] string Policies,
    [property: JsonPropertyName("links")] IReadOnlyDictionary<string, string> Links);
