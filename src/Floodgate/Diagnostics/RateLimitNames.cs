namespace Floodgate.Diagnostics;

/// <summary>
/// The one vocabulary of denial reasons and layers: the words a rejection body, the decision API, live events, logs
/// and the <c>Floodgate</c> meter use for <see cref="RateLimitDenialReason"/> and <see cref="RateLimitLayer"/>.
/// </summary>
public static class RateLimitNames
{
    /// <summary>The word for <paramref name="reason"/>: <c>limit_exceeded</c>, <c>cost_exceeds_limit</c>, <c>banned</c>, <c>circuit_open</c>, <c>store_unavailable</c>; <c>none</c> when allowed.</summary>
    public static string Reason(RateLimitDenialReason reason) => reason switch
    {
        RateLimitDenialReason.None => "none",
        RateLimitDenialReason.CostExceedsLimit => "cost_exceeds_limit",
        RateLimitDenialReason.Banned => "banned",
        RateLimitDenialReason.CircuitOpen => "circuit_open",
        RateLimitDenialReason.StoreUnavailable => "store_unavailable",
        _ => "limit_exceeded",
    };

    /// <summary>The word for <paramref name="layer"/>: <c>client</c>, <c>endpoint</c>, <c>global</c>; <c>none</c> for a decision taken outside the layers.</summary>
    public static string Layer(RateLimitLayer layer) => layer switch
    {
        RateLimitLayer.Client => "client",
        RateLimitLayer.Endpoint => "endpoint",
        RateLimitLayer.Global => "global",
        _ => "none",
    };
}
