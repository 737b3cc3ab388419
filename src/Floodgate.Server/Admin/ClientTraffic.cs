using System.Text.Json.Serialization;

namespace Floodgate.Server.Admin;

/// <summary>The body of <c>GET /admin/stats/{clientId}</c>: one client's traffic and ban.</summary>
public sealed record ClientTraffic(
    [property: JsonPropertyName("client")] string Client,
    [property: JsonPropertyName("allowed")] long Allowed,
    [property: JsonPropertyName("denied")] long Denied,
    [property: JsonPropertyName("ban")] Penalties.BanRecord? Ban);
