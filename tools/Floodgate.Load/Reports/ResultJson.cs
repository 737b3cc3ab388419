using System.Text.Json;
using Floodgate.Load.Engine;

namespace Floodgate.Load.Reports;

/// <summary><c>--json</c>: the whole <see cref="LoadResult"/>, camelCase, latencies in milliseconds.</summary>
internal static class ResultJson
{
    public static string Serialize(LoadResult result) => JsonSerializer.Serialize(result, ResultJsonContext.Default.LoadResult);
}
