namespace Floodgate.Server.Demo;

/// <summary>The demo submit route's body: any JSON object.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, System.Text.Json.JsonElement>))]
internal sealed partial class DemoJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}
