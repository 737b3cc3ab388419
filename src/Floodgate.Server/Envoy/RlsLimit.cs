using Envoy.Service.RateLimit.V3;

namespace Floodgate.Server.Envoy;

/// <summary>
/// A <c>rate_limit</c> of an envoyproxy/ratelimit configuration, compiled: the Floodgate limit that decides it, and
/// the immutable pieces of every answer about it (the <c>current_limit</c> message, the metric tag).
/// </summary>
internal sealed class RlsLimit
{
    private RlsLimit(string metricKey, uint requestsPerUnit, RateLimitResponse.Types.RateLimit.Types.Unit unit, string name, bool unlimited, bool shadowMode, string[] replaces, RateLimitAlgorithm algorithm)
    {
        MetricKey = metricKey;
        Name = name;
        Unlimited = unlimited;
        ShadowMode = shadowMode;
        Replaces = replaces;
        if (!unlimited)
        {
            Window = TimeSpan.FromSeconds(UnitSeconds(unit));
            Limit = requestsPerUnit == 0 ? null : new RateLimit(requestsPerUnit, Window, algorithm);
            Proto = new RateLimitResponse.Types.RateLimit { Name = name, RequestsPerUnit = requestsPerUnit, Unit = unit };
        }
    }

    /// <summary>The descriptor path that names this limit in metrics: <c>domain.key_value.key</c>.</summary>
    public string MetricKey { get; }

    /// <summary>The limit's <c>name</c>, which others can <c>replaces</c>; empty when unnamed.</summary>
    public string Name { get; }

    /// <summary><c>unlimited: true</c>: always OK, never counted.</summary>
    public bool Unlimited { get; }

    /// <summary><c>shadow_mode: true</c>: counted and reported, but answered OK.</summary>
    public bool ShadowMode { get; }

    /// <summary>The names of the limits this one replaces when both match one request.</summary>
    public string[] Replaces { get; }

    /// <summary>The unit as a window; zero when unlimited.</summary>
    public TimeSpan Window { get; }

    /// <summary>The Floodgate limit; <see langword="null"/> when unlimited or when <c>requests_per_unit</c> is 0 (every hit is over the limit).</summary>
    public RateLimit? Limit { get; }

    /// <summary>The <c>current_limit</c> of every status about this limit (shared, never changed); <see langword="null"/> when unlimited.</summary>
    public RateLimitResponse.Types.RateLimit? Proto { get; }

    /// <summary>Limits are at most a billion per unit, as every Floodgate limit.</summary>
    public const uint MaxRequestsPerUnit = (uint)RateLimit.MaxCount;

    public static RlsLimit Counted(string metricKey, uint requestsPerUnit, RateLimitResponse.Types.RateLimit.Types.Unit unit, string name, bool shadowMode, string[] replaces, RateLimitAlgorithm algorithm) =>
        new(metricKey, requestsPerUnit, unit, name, unlimited: false, shadowMode, replaces, algorithm);

    public static RlsLimit NoLimit(string metricKey, string name, bool shadowMode, string[] replaces) =>
        new(metricKey, 0, RateLimitResponse.Types.RateLimit.Types.Unit.Unknown, name, unlimited: true, shadowMode, replaces, RateLimitAlgorithm.FixedWindow);

    /// <summary>The length of a unit, as envoyproxy/ratelimit counts it (a month is 30 days, a year 365).</summary>
    public static long UnitSeconds(RateLimitResponse.Types.RateLimit.Types.Unit unit) => unit switch
    {
        RateLimitResponse.Types.RateLimit.Types.Unit.Second => 1,
        RateLimitResponse.Types.RateLimit.Types.Unit.Minute => 60,
        RateLimitResponse.Types.RateLimit.Types.Unit.Hour => 60 * 60,
        RateLimitResponse.Types.RateLimit.Types.Unit.Day => 24 * 60 * 60,
        RateLimitResponse.Types.RateLimit.Types.Unit.Week => 7 * 24 * 60 * 60,
        RateLimitResponse.Types.RateLimit.Types.Unit.Month => 30 * 24 * 60 * 60,
        RateLimitResponse.Types.RateLimit.Types.Unit.Year => 365 * 24 * 60 * 60,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Not a unit of time."),
    };
}
