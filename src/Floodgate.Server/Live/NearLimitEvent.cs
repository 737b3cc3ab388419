using System.Text.Json;

namespace Floodgate.Server.Live;

/// <summary><c>near_limit</c>: a client passed the near-limit share of one of its limits, first time in this window.</summary>
internal sealed class NearLimitEvent(DateTimeOffset time, string client, string policy, string endpoint, RateLimit rule, long used) : LiveEvent("near_limit", time)
{
    public override string? Client => client;

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("client", client);
        writer.WriteString("policy", policy);
        writer.WriteString("endpoint", endpoint);
        writer.WriteNumber("limit", rule.Capacity);
        writer.WriteNumber("used", used);
        writer.WriteNumber("window_seconds", rule.Window.TotalSeconds);
        writer.WriteString("rule", rule.ToString());
    }
}
