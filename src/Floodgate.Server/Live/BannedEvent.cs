using System.Text.Json;
using Floodgate.Penalties;

namespace Floodgate.Server.Live;

/// <summary><c>banned</c>: a client was banned.</summary>
internal sealed class BannedEvent(DateTimeOffset time, BanRecord ban) : LiveEvent("banned", time)
{
    public override string? Client => ban.ClientId;

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("client", ban.ClientId);
        writer.WriteString("until", ban.ExpiresAt.UtcDateTime);
        writer.WriteNumber("strike", ban.Strike);
        writer.WriteString("reason", ban.Reason);
    }
}
