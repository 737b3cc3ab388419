using System.Text.Json;
using System.Text.Json.Serialization;
using Floodgate.Load.Engine;

namespace Floodgate.Load.Reports;

/// <summary>Source-generated serialization of the result.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(LoadResult))]
internal sealed partial class ResultJsonContext : JsonSerializerContext
{
}
