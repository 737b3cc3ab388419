using System.Text.Json;
using Floodgate.Server.Stats;

namespace Floodgate.Server.Live;

/// <summary><c>stats</c>: one second of traffic, summed over the instances that reported it.</summary>
internal sealed class StatsEvent(DateTimeOffset time, long second, long allowed, long denied, List<TrafficRow> endpoints, List<TrafficRow> topClients, int instances, int listeners, long dropped)
    : LiveEvent("stats", time)
{
    public override bool Relayed => false;

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("second", DateTimeOffset.FromUnixTimeSeconds(second).UtcDateTime);
        writer.WriteNumber("allowed", allowed);
        writer.WriteNumber("denied", denied);
        WriteRows(writer, "endpoints", endpoints);
        WriteRows(writer, "top_clients", topClients);
        writer.WriteNumber("instances", instances);
        writer.WriteNumber("listeners", listeners);
        writer.WriteNumber("dropped", dropped);
    }

    private static void WriteRows(Utf8JsonWriter writer, string name, List<TrafficRow> rows)
    {
        writer.WriteStartArray(name);
        foreach (var row in rows)
        {
            writer.WriteStartObject();
            writer.WriteString("name", row.Name);
            writer.WriteNumber("allowed", row.Allowed);
            writer.WriteNumber("denied", row.Denied);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
