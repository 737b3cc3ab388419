using System.Text.Json;

namespace Floodgate.Server.Live;

/// <summary><c>dropped</c>: sent to one listener after it lost events.</summary>
internal sealed class DroppedEvent(DateTimeOffset time, long count) : LiveEvent("dropped", time)
{
    public override bool Relayed => false;

    protected override void WriteFields(Utf8JsonWriter writer) => writer.WriteNumber("count", count);
}
