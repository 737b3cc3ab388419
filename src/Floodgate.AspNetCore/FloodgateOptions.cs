using Floodgate.AspNetCore.Identification;
using Floodgate.Penalties;
using Floodgate.Storage;

namespace Floodgate.AspNetCore;

/// <summary>Everything Floodgate reads from configuration section <c>Floodgate</c>; validated at start-up.</summary>
public sealed class FloodgateOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Floodgate";

    /// <summary>The limit of requests no rule matches; several separated by <c>;</c> must all pass. Default <c>"100/minute;1000/hour"</c>.</summary>
    public string DefaultLimit { get; set; } = "100/minute;1000/hour";

    /// <summary>The algorithm of limits that name none. Default <see cref="RateLimitAlgorithm.SlidingWindowCounter"/>.</summary>
    public RateLimitAlgorithm Algorithm { get; set; } = RateLimitAlgorithm.SlidingWindowCounter;

    /// <summary>The status of a rejection: 429 (default), 420 ("Enhance Your Calm") or 503.</summary>
    public int StatusCode { get; set; } = 429;

    /// <summary>Which rate-limit headers responses carry. Default <see cref="HeaderMode.Both"/>.</summary>
    public HeaderMode Headers { get; set; } = HeaderMode.Both;

    /// <summary>Decide and report, but never reject or ban. Default <see langword="false"/>.</summary>
    public bool ShadowMode { get; set; }

    /// <summary>Rules, first match wins; requests no rule matches get <see cref="DefaultLimit"/>.</summary>
    public List<RuleOptions> Rules { get; set; } = [];

    /// <summary>Path patterns never limited, in addition to <c>/health</c>, <c>/healthz</c>, <c>/ready</c> and <c>/metrics</c>.</summary>
    public List<string> Exempt { get; set; } = [];

    /// <summary>Whether <c>/health</c>, <c>/healthz</c>, <c>/ready</c> and <c>/metrics</c> are exempt. Default <see langword="true"/>.</summary>
    public bool ExemptHealthEndpoints { get; set; } = true;

    /// <summary>How clients are told apart.</summary>
    public IdentificationOptions Identification { get; set; } = new();

    /// <summary>Which proxies may tell the client address.</summary>
    public TrustedProxyOptions ForwardedHeaders { get; set; } = new();

    /// <summary>The per-endpoint layer.</summary>
    public EndpointLayerOptions Endpoint { get; set; } = new();

    /// <summary>The global layer and its circuit breaker.</summary>
    public GlobalLayerOptions Global { get; set; } = new();

    /// <summary>Bans for repeat offenders.</summary>
    public PenaltyOptions Penalty { get; set; } = new();

    /// <summary>Tiers of the default policy.</summary>
    public TierOptions Tiers { get; set; } = new();

    /// <summary>Bounds of the in-memory store.</summary>
    public InMemoryStoreOptions Memory { get; set; } = new();

    /// <summary>
    /// Called for every rejection, after the status code and headers are set and before Floodgate writes its problem
    /// body (which it leaves out when the callback started the response), as ASP.NET Core's <c>RateLimiterOptions.OnRejected</c>.
    /// Set it in code: <c>AddFloodgate(o => o.OnRejected = (context, ct) => ...)</c>.
    /// </summary>
    public Func<RateLimitRejectedContext, CancellationToken, ValueTask>? OnRejected { get; set; }

    internal static readonly string[] HealthPaths = ["/health", "/healthz", "/ready", "/metrics"];
}
