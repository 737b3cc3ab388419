using System.Text.Json;
using Floodgate.Server.Policies;

namespace Floodgate.Server.Live;

/// <summary><c>config_changed</c>: a policy was created, replaced or deleted.</summary>
internal sealed class ConfigChangedEvent(DateTimeOffset time, string action, string policy, PolicyDocument? document) : LiveEvent("config_changed", time)
{
    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("action", action);
        writer.WriteString("policy", policy);
        writer.WritePropertyName("document");
        if (document is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            JsonSerializer.Serialize(writer, document, ServerJsonContext.Default.PolicyDocument);
        }
    }
}
