namespace Floodgate.Server.Stats;

/// <summary>What one second added on this instance: its totals, its busiest endpoints (the rest as "(other)") and clients.</summary>
/// <param name="Second">The second, in Unix seconds.</param>
/// <param name="Allowed">Requests allowed in it.</param>
/// <param name="Denied">Requests denied in it.</param>
/// <param name="Endpoints">The busiest endpoints of the second, then the rest as one <see cref="TrafficTable.Other"/> row.</param>
/// <param name="Clients">The busiest clients of the second.</param>
internal sealed record TrafficSecond(long Second, long Allowed, long Denied, List<TrafficRow> Endpoints, List<TrafficRow> Clients);
