using System.Text.Json;

namespace Floodgate.Server.Live;

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
