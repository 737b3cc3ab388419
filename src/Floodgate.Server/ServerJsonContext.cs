using System.Text.Json;
using System.Text.Json.Serialization;
using Floodgate.Server.Decisions;
using Floodgate.Server.Policies;
using Floodgate.Server.Replay;

namespace Floodgate.Server;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PolicyDocument))]
[JsonSerializable(typeof(List<PolicyDocument>))]
[JsonSerializable(typeof(CheckRequest))]
[JsonSerializable(typeof(BatchCheckRequest))]
[JsonSerializable(typeof(ReplayRequest))]
[JsonSerializable(typeof(ReplayResponse))]
internal sealed partial class ServerJsonContext : JsonSerializerContext
{
}
