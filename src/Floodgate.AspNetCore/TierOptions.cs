namespace Floodgate.AspNetCore;

/// <summary>Client tiers for the default policy (<c>Floodgate:Tiers</c>).</summary>
public sealed class TierOptions
{
    /// <summary>The claim of an authenticated user that names the tier. Default <c>tier</c>.</summary>
    public string ClaimType { get; set; } = "tier";

    /// <summary>The default policy's limits per tier, e.g. <c>{ "free": "100/minute", "premium": "1000/minute" }</c>.</summary>
    public Dictionary<string, string> Limits { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
