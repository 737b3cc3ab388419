using System.Text.Json;
using System.Text.Json.Serialization;

namespace Floodgate.Server.Live;

/// <summary>The JSON of what instances send each other through Redis.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StatsPart))]
internal sealed partial class LiveJsonContext : JsonSerializerContext
{
}
