using System.Buffers;
using System.Text.Json;

namespace Floodgate.Server.Live;

/// <summary>
/// Something that happened, as the streams tell it: one JSON object with <c>type</c>, <c>time</c> and <c>instance</c>,
/// then the fields of its kind (docs/live.md lists them).
/// </summary>
internal abstract class LiveEvent(string type, DateTimeOffset time)
{
    public string Type { get; } = type;

    public DateTimeOffset Time { get; } = time;

    /// <summary>The client it is about, for streams that follow one client; <see langword="null"/> for events every stream gets.</summary>
    public virtual string? Client => null;

    /// <summary>Whether other instances hear of it through Redis (stats are summed by each instance itself).</summary>
    public virtual bool Relayed => true;

    public LiveMessage ToMessage(string instance)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", Type);
            writer.WriteString("time", Time.UtcDateTime);
            writer.WriteString("instance", instance);
            WriteFields(writer);
            writer.WriteEndObject();
        }

        return new LiveMessage(Type, Client, instance, buffer.WrittenSpan.ToArray());
    }

    protected abstract void WriteFields(Utf8JsonWriter writer);
}
