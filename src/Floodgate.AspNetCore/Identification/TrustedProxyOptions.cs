namespace Floodgate.AspNetCore.Identification;

/// <summary>
/// Which peers may tell the client address through <c>X-Forwarded-For</c>, <c>X-Real-IP</c> or <c>Forwarded</c>
/// (<c>Floodgate:ForwardedHeaders</c>). Forwarded headers from any other peer are ignored.
/// </summary>
public sealed class TrustedProxyOptions
{
    /// <summary>IP addresses and CIDR ranges of trusted proxies, e.g. <c>10.0.0.0/8</c>, <c>127.0.0.1</c>, <c>::1</c>. Default none.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Forwarded entries read at most, from the right; longer chains are cut. Default 20.</summary>
    public int MaxEntries { get; set; } = 20;
}
