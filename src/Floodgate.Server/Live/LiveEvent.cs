using System.Buffers;
using System.Text.Json;
using Floodgate.Diagnostics;
using Floodgate.Penalties;
using Floodgate.Server.Policies;

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

/// <summary>One event as bytes, written once and sent to every stream that wants it.</summary>
internal sealed record LiveMessage(string Type, string? Client, string Instance, byte[] Json)
{
    /// <summary>Reads type, client and instance back from an event another instance published; <see langword="null"/> when malformed.</summary>
    public static LiveMessage? Parse(byte[] json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            string? type = null, client = null, instance = null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "type" when reader.TokenType == JsonTokenType.String:
                        type = reader.GetString();
                        break;
                    case "client" when reader.TokenType == JsonTokenType.String:
                        client = reader.GetString();
                        break;
                    case "instance" when reader.TokenType == JsonTokenType.String:
                        instance = reader.GetString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            return type is null || instance is null ? null : new LiveMessage(type, client, instance, json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary><c>allowed</c> or <c>denied</c>: one limited request and what Floodgate decided.</summary>
internal sealed class DecisionEvent(DateTimeOffset time, string client, string endpoint, string policy, RateLimitDecision decision, int status, bool allowed)
    : LiveEvent(allowed ? "allowed" : "denied", time)
{
    public override string? Client => client;

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("client", client);
        writer.WriteString("endpoint", endpoint);
        writer.WriteString("policy", policy);
        writer.WriteString("layer", RateLimitNames.Layer(decision.Layer == RateLimitLayer.None ? RateLimitLayer.Client : decision.Layer));
        writer.WriteNumber("limit", decision.Limit);
        writer.WriteNumber("remaining", decision.Remaining);
        writer.WriteNumber("status", status);
        if (!allowed)
        {
            writer.WriteString("reason", RateLimitNames.Reason(decision.Reason == RateLimitDenialReason.None ? RateLimitDenialReason.LimitExceeded : decision.Reason));
            if (!decision.CanRetry)
            {
                writer.WriteNull("retry_after");
            }
            else
            {
                writer.WriteNumber("retry_after", (long)Math.Ceiling(Math.Max(decision.RetryAfter.TotalSeconds, 0)));
            }
        }
    }
}

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

/// <summary><c>unbanned</c>: a ban was lifted.</summary>
internal sealed class UnbannedEvent(DateTimeOffset time, string client) : LiveEvent("unbanned", time)
{
    public override string? Client => client;

    protected override void WriteFields(Utf8JsonWriter writer) => writer.WriteString("client", client);
}

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

/// <summary><c>dropped</c>: sent to one listener after it lost events.</summary>
internal sealed class DroppedEvent(DateTimeOffset time, long count) : LiveEvent("dropped", time)
{
    public override bool Relayed => false;

    protected override void WriteFields(Utf8JsonWriter writer) => writer.WriteNumber("count", count);
}
