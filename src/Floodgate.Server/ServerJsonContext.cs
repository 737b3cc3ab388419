using System.Text.Json;
using System.Text.Json.Serialization;
using Floodgate.Server.Decisions;
using Floodgate.Server.Policies;

namespace Floodgate.Server;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PolicyDocument))]
[JsonSerializable(typeof(List<PolicyDocument>))]
[JsonSerializable(typeof(CheckRequest))]
[JsonSerializable(typeof(BatchCheckRequest))]
internal sealed partial class ServerJsonContext : JsonSerializerContext
{
}
