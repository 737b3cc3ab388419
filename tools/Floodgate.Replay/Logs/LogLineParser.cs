using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Floodgate.AspNetCore.Replay;

namespace Floodgate.Replay.Logs;

/// <summary>
/// Reads one access log line into a <see cref="TraceRecord"/>. The client is the remote address (combined) or the
/// <c>client</c> field (JSON); a request answered with 429 was denied, any other was admitted (JSON lines may say so with
/// <c>admitted</c>). The query is cut from the path: rules match the path alone.
/// </summary>
internal static partial class LogLineParser
{
    /// <summary>
    /// <c>203.0.113.7 - alice [10/Oct/2025:13:55:36 -0700] "GET /api/items?id=1 HTTP/1.1" 429 153 "referer" "agent"</c>;
    /// the referer and agent are optional (the common log format has neither).
    /// </summary>
    [GeneratedRegex("""^(?<client>\S+) \S+ \S+ \[(?<time>[^\]]+)\] "(?<method>[A-Za-z]+) (?<target>\S+)(?: [^"]*)?" (?<status>\d{3}) \S+""", RegexOptions.CultureInvariant)]
    private static partial Regex CombinedLine();

    /// <summary>Parses <paramref name="line"/>; on failure <paramref name="reason"/> says why.</summary>
    public static bool TryParse(string line, LogFormat format, out TraceRecord record, out string reason)
    {
        var json = format == LogFormat.Json || (format == LogFormat.Auto && line.AsSpan().TrimStart().StartsWith("{"));
        return json ? TryParseJson(line, out record, out reason) : TryParseCombined(line, out record, out reason);
    }

    public static bool TryParseCombined(string line, out TraceRecord record, out string reason)
    {
        record = default;
        var match = CombinedLine().Match(line);
        if (!match.Success)
        {
            reason = "not in the combined log format (remote - user [time] \"METHOD path HTTP/x\" status bytes ...)";
            return false;
        }

        if (!TryParseCombinedTime(match.Groups["time"].Value, out var time))
        {
            reason = $"the time '{match.Groups["time"].Value}' is not like 10/Oct/2025:13:55:36 +0000";
            return false;
        }

        var target = match.Groups["target"].Value;
        if (!TryPath(target, out var path))
        {
            reason = $"the request target '{target}' is not a path";
            return false;
        }

        var status = int.Parse(match.Groups["status"].ValueSpan, CultureInfo.InvariantCulture);
        record = new TraceRecord(TraceRecord.ToTimestamp(time), match.Groups["client"].Value, match.Groups["method"].Value.ToUpperInvariant(), path, status != 429);
        reason = string.Empty;
        return true;
    }

    /// <summary>
    /// <c>{"time": "2025-10-10T13:55:36.250Z", "client": "203.0.113.7", "method": "GET", "path": "/api/items", "status": 200}</c>;
    /// <c>time</c> may also be Unix seconds (a number, fractions allowed); optional: <c>admitted</c> (overrides the status),
    /// <c>tier</c>, <c>cost</c>, <c>endpoint</c>. Other fields are ignored.
    /// </summary>
    public static bool TryParseJson(string line, out TraceRecord record, out string reason)
    {
        record = default;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            reason = $"not JSON ({ex.Message.Split('.')[0]})";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                reason = "not a JSON object";
                return false;
            }

            if (!TryJsonTime(root, out var time, out reason) ||
                !TryJsonText(root, "client", required: true, out var client, out reason) ||
                !TryJsonText(root, "method", required: true, out var method, out reason) ||
                !TryJsonText(root, "path", required: true, out var target, out reason) ||
                !TryJsonText(root, "tier", required: false, out var tier, out reason) ||
                !TryJsonText(root, "endpoint", required: false, out var endpoint, out reason))
            {
                return false;
            }

            if (!TryPath(target!, out var path))
            {
                reason = $"\"path\" '{target}' is not a path";
                return false;
            }

            var admitted = true;
            if (root.TryGetProperty("admitted", out var admittedField))
            {
                if (admittedField.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    reason = "\"admitted\" must be true or false";
                    return false;
                }

                admitted = admittedField.GetBoolean();
            }
            else if (root.TryGetProperty("status", out var status))
            {
                var code = 0;
                if (!(status.ValueKind == JsonValueKind.Number && status.TryGetInt32(out code)) &&
                    !(status.ValueKind == JsonValueKind.String && int.TryParse(status.GetString(), CultureInfo.InvariantCulture, out code)))
                {
                    reason = "\"status\" must be an HTTP status such as 200 or 429";
                    return false;
                }

                admitted = code != 429;
            }

            var cost = 1;
            if (root.TryGetProperty("cost", out var costField) && (costField.ValueKind != JsonValueKind.Number || !costField.TryGetInt32(out cost) || cost < 0))
            {
                reason = "\"cost\" must be a whole number, 0 or more";
                return false;
            }

            record = new TraceRecord(TraceRecord.ToTimestamp(time), client!, method!.ToUpperInvariant(), path, admitted, tier, cost, endpoint);
            reason = string.Empty;
            return true;
        }
    }

    private static bool TryJsonTime(JsonElement root, out DateTimeOffset time, out string reason)
    {
        time = default;
        reason = string.Empty;
        if (!root.TryGetProperty("time", out var field))
        {
            reason = "\"time\" is missing";
            return false;
        }

        if (field.ValueKind == JsonValueKind.Number && field.TryGetDouble(out var seconds) && seconds is > 0 and < 253_402_300_799)
        {
            time = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
            return true;
        }

        if (field.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(field.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time))
        {
            return true;
        }

        reason = "\"time\" must be an ISO 8601 time (2025-10-10T13:55:36Z) or Unix seconds";
        return false;
    }

    private static bool TryJsonText(JsonElement root, string name, bool required, out string? value, out string reason)
    {
        value = null;
        reason = string.Empty;
        if (!root.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                reason = $"\"{name}\" is missing";
            }

            return !required;
        }

        if (field.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(field.GetString()))
        {
            reason = $"\"{name}\" must be a non-empty string";
            return false;
        }

        value = field.GetString();
        return true;
    }

    /// <summary><c>10/Oct/2025:13:55:36 -0700</c>.</summary>
    private static bool TryParseCombinedTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out time) ||
        (text.Length == 26 && DateTimeOffset.TryParseExact(text.Insert(23, ":"), "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out time));

    /// <summary>The path of a request target: the query cut, an absolute URI's path taken.</summary>
    private static bool TryPath(string target, out string path)
    {
        var end = target.AsSpan().IndexOfAny('?', '#');
        var bare = end < 0 ? target : target[..end];
        if (bare.StartsWith('/'))
        {
            path = bare;
            return true;
        }

        if (Uri.TryCreate(bare, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            path = uri.AbsolutePath;
            return true;
        }

        path = string.Empty;
        return false;
    }
}
