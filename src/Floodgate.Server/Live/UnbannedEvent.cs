using System.Text.Json;

namespace Floodgate.Server.Live;

/// <summary><c>unbanned</c>: a ban was lifted.</summary>
internal sealed class UnbannedEvent(DateTimeOffset time, string client) : LiveEvent("unbanned", time)
{
    public override string? Client => client;

    protected override void WriteFields(Utf8JsonWriter writer) => writer.WriteString("client", client);
}
