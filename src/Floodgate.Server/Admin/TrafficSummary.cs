using System.Text.Json.Serialization;

namespace Floodgate.Server.Admin;

/// <summary>The body of <c>GET /admin/stats</c>: totals, the busiest endpoints and clients, and bans in force.</summary>
public sealed record TrafficSummary(
    [property: JsonPropertyName("allowed")] long Allowed,
    [property: JsonPropertyName("denied")] long Denied,
    [property: JsonPropertyName("endpoints")] IReadOnlyList<Stats.TrafficRow> Endpoints,
    [property: JsonPropertyName("top_clients")] IReadOnlyList<Stats.TrafficRow> TopClients,
    [property: JsonPropertyName("bans")] IEnumerable<Penalties.BanRecord> Bans,
    [property: JsonPropertyName("bans_total")] int BansTotal);
