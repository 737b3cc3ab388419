using System.Globalization;
using System.Text;
using Floodgate.AspNetCore.Policies;
using Microsoft.AspNetCore.Http;

namespace Floodgate.AspNetCore.Headers;

/// <summary>
/// Writes <c>X-RateLimit-Limit</c>, <c>X-RateLimit-Remaining</c>, <c>X-RateLimit-Reset</c> (Unix seconds) and the IETF
/// draft (draft-ietf-httpapi-ratelimit-headers) fields in structured-field syntax:
/// <c>RateLimit-Policy: "default-minute";q=100;w=60, "default-hour";q=1000;w=3600</c> and
/// <c>RateLimit: "default-minute";r=42;t=18</c>.
/// </summary>
internal static class RateLimitHeaders
{
    /// <summary>Text of the numbers 0 to 1023, made once: remaining counts, retry-after seconds and small limits.</summary>
    private static readonly string[] SmallNumbers = CreateSmallNumbers();

    // The last text each header took on this thread: a limit stays the same, a reset time for a second, a rejected
    // client's "RateLimit" field until its reset moves. A repeated value costs no new string.
    [ThreadStatic]
    private static NumberText t_limit;

    [ThreadStatic]
    private static NumberText t_reset;

    [ThreadStatic]
    private static FieldText t_field;

    public static void Write(HttpResponse response, HeaderMode mode, RateLimitPolicy policy, RateLimit[] limits, in RateLimitDecision decision, DateTimeOffset now)
    {
        var remaining = Math.Max(decision.Remaining, 0);
        var headers = response.Headers;
        if (mode is HeaderMode.Both or HeaderMode.Legacy)
        {
            headers["X-RateLimit-Limit"] = t_limit.For(decision.Limit);
            headers["X-RateLimit-Remaining"] = Number(remaining);
            headers["X-RateLimit-Reset"] = t_reset.For(UnixSecondsCeiling(now + decision.ResetAfter));
        }

        if (mode is HeaderMode.Both or HeaderMode.Draft)
        {
            headers["RateLimit-Policy"] = PolicyField(policy, limits, decision);
            headers["RateLimit"] = t_field.For(ItemName(policy, limits, decision), remaining, Seconds(decision.ResetAfter));
        }
    }

    public static void WriteRetryAfter(HttpResponse response, TimeSpan retryAfter)
    {
        if (retryAfter != Timeout.InfiniteTimeSpan)
        {
            response.Headers.RetryAfter = Number(Math.Max(Seconds(retryAfter), 1));
        }
    }

    /// <summary>The decimal text of <paramref name="value"/>; small ones without a new string.</summary>
    public static string Number(long value) =>
        (ulong)value < (ulong)SmallNumbers.Length ? SmallNumbers[value] : value.ToString(CultureInfo.InvariantCulture);

    private static string[] CreateSmallNumbers()
    {
        var numbers = new string[1024];
        for (var i = 0; i < numbers.Length; i++)
        {
            numbers[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return numbers;
    }

    private struct NumberText
    {
        private long _value;
        private string? _text;

        public string For(long value)
        {
            if (_text is null || _value != value)
            {
                _text = Number(value);
                _value = value;
            }

            return _text;
        }
    }

    /// <summary>The <c>RateLimit</c> field <c>"item";r=R;t=T</c>, written straight into its string.</summary>
    private struct FieldText
    {
        private string? _item;
        private long _remaining;
        private long _reset;
        private string? _text;

        public string For(string item, long remaining, long reset)
        {
            if (_text is null || !ReferenceEquals(_item, item) || _remaining != remaining || _reset != reset)
            {
                _text = string.Create(CultureInfo.InvariantCulture, $"\"{item}\";r={remaining};t={reset}");
                (_item, _remaining, _reset) = (item, remaining, reset);
            }

            return _text;
        }
    }

    /// <summary>Unix time in whole seconds, rounded up.</summary>
    public static long UnixSecondsCeiling(DateTimeOffset time) =>
        (time.UtcTicks - DateTime.UnixEpoch.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;

    /// <summary>Whole seconds, rounded up.</summary>
    public static long Seconds(TimeSpan span) =>
        span <= TimeSpan.Zero ? 0 : (span.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;

    /// <summary>The policy items: one per limit of the client layer, plus the endpoint or global limit when that decided.</summary>
    public static string PolicyField(RateLimitPolicy policy, RateLimit[] limits, in RateLimitDecision decision)
    {
        // The common case, the client layer under the policy's own limits, is the same text on every response.
        if (!HasLayerItem(decision) && ReferenceEquals(limits, policy.Limits))
        {
            return policy.PolicyFieldCache ??= BuildPolicyField(policy, limits, decision);
        }

        return BuildPolicyField(policy, limits, decision);
    }

    private static bool HasLayerItem(in RateLimitDecision decision) =>
        decision.Layer is RateLimitLayer.Endpoint or RateLimitLayer.Global && decision.Rule is not null;

    private static string BuildPolicyField(RateLimitPolicy policy, RateLimit[] limits, in RateLimitDecision decision)
    {
        var builder = new StringBuilder();
        foreach (var limit in limits)
        {
            Append(builder, ItemName(policy, limits, limit), limit);
        }

        if (HasLayerItem(decision))
        {
            Append(builder, LayerName(decision.Layer), decision.Rule!);
        }

        return builder.ToString();
    }

    public static string ItemName(RateLimitPolicy policy, RateLimit[] limits, in RateLimitDecision decision) =>
        decision.Layer is RateLimitLayer.Endpoint or RateLimitLayer.Global
            ? LayerName(decision.Layer)
            : decision.Rule is { } rule ? ItemName(policy, limits, rule) : policy.Name;

    private static string ItemName(RateLimitPolicy policy, RateLimit[] limits, RateLimit limit)
    {
        if (limits.Length == 1)
        {
            return policy.Name;
        }

        if (ReferenceEquals(limits, policy.Limits))
        {
            var names = Volatile.Read(ref policy.ItemNamesCache) ?? CacheItemNames(policy);
            for (var i = 0; i < limits.Length; i++)
            {
                if (ReferenceEquals(limits[i], limit))
                {
                    return names[i];
                }
            }
        }

        return BuildItemName(policy, limit);
    }

    private static string BuildItemName(RateLimitPolicy policy, RateLimit limit) => policy.Name + "-" + RateLimit.FormatWindow(limit.Window);

    private static string[] CacheItemNames(RateLimitPolicy policy)
    {
        var names = new string[policy.Limits.Length];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = BuildItemName(policy, policy.Limits[i]);
        }

        return Interlocked.CompareExchange(ref policy.ItemNamesCache, names, null) ?? names;
    }

    private static string LayerName(RateLimitLayer layer) => layer == RateLimitLayer.Endpoint ? "endpoint" : "global";

    private static void Append(StringBuilder builder, string name, RateLimit limit)
    {
        if (builder.Length > 0)
        {
            builder.Append(", ");
        }

        builder.Append('"').Append(Escape(name)).Append("\";q=").Append(limit.Count.ToString(CultureInfo.InvariantCulture))
            .Append(";w=").Append(Math.Max(Seconds(limit.Window), 1).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>An sf-string holds printable ASCII with <c>"</c> and <c>\</c> escaped; anything else becomes <c>_</c>.</summary>
    private static string Escape(string name)
    {
        var clean = true;
        foreach (var c in name)
        {
            if (c is < ' ' or > '~' or '"' or '\\')
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return name;
        }

        var builder = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' or > '~' => "_",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
