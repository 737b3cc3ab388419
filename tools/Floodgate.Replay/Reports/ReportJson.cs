using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Floodgate.AspNetCore.Replay;

namespace Floodgate.Replay.Reports;

/// <summary>The report as one JSON object (snake_case, as the service's admin API writes).</summary>
internal static class ReportJson
{
    public static string Serialize(ReplayOutcome outcome)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("log", outcome.Log);
            json.WriteString("policies", outcome.Policies);
            json.WriteString("candidate", outcome.Candidate);
            json.WriteNumber("lines", outcome.Lines);
            json.WriteNumber("malformed_lines", outcome.MalformedCount);
            json.WriteStartArray("malformed");
            foreach (var line in outcome.Malformed)
            {
                json.WriteStartObject();
                json.WriteNumber("line", line.Number);
                json.WriteString("reason", line.Reason);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("clients", outcome.Report.ClientCount);
            json.WriteNumber("endpoints", outcome.Report.EndpointCount);
            json.WriteNumber("out_of_order", outcome.Report.OutOfOrder);
            json.WriteNumber("elapsed_seconds", Math.Round(outcome.Elapsed.TotalSeconds, 3));
            json.WritePropertyName("total");
            Tally(json, outcome.Report.Total);
            Groups(json, "by_policy", outcome.Report.Policies);
            Groups(json, "top_endpoints", outcome.Report.Endpoints);
            Groups(json, "top_clients", outcome.Report.Clients);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Groups(Utf8JsonWriter json, string name, IReadOnlyList<ReplayGroup> groups)
    {
        json.WriteStartArray(name);
        foreach (var group in groups)
        {
            json.WriteStartObject();
            json.WriteString("name", group.Name);
            WriteCounts(json, group.Tally);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void Tally(Utf8JsonWriter json, ReplayTally tally)
    {
        json.WriteStartObject();
        WriteCounts(json, tally);
        json.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter json, ReplayTally tally)
    {
        json.WriteNumber("requests", tally.Requests);
        json.WriteNumber("admitted", tally.Admitted);
        json.WriteNumber("denied", tally.Denied);
        json.WriteNumber("actually_admitted", tally.ActuallyAdmitted);
        json.WriteNumber("actually_denied", tally.ActuallyDenied);
        json.WriteNumber("newly_denied", tally.NewlyDenied);
        json.WriteNumber("newly_admitted", tally.NewlyAdmitted);
    }
}
