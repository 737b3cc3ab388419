namespace Floodgate.AspNetCore;

/// <summary>A configured rule (<c>Floodgate:Rules:N</c>): which requests it matches and what limits them.</summary>
public sealed class RuleOptions
{
    /// <summary>Name shown in headers, metrics and problem bodies. Default: <c>rule-N</c>.</summary>
    public string? Name { get; set; }

    /// <summary>Path pattern: <c>*</c> matches one segment, <c>**</c> any number, e.g. <c>/api/*/items/**</c>. Required.</summary>
    public string? Path { get; set; }

    /// <summary>HTTP methods the rule applies to; all when empty.</summary>
    public List<string> Methods { get; set; } = [];

    /// <summary>The limit, or several that must all pass: <c>"100/minute"</c>, <c>"100/minute;1000/hour"</c>. Default: <c>Floodgate:DefaultLimit</c>.</summary>
    public string? Limit { get; set; }

    /// <summary>The algorithm. Default: <c>Floodgate:Algorithm</c>.</summary>
    public RateLimitAlgorithm? Algorithm { get; set; }

    /// <summary>Bucket size (TokenBucket) or burst tolerance (Gcra).</summary>
    public long? Burst { get; set; }

    /// <summary>Units one request takes. Default 1.</summary>
    public long Cost { get; set; } = 1;

    /// <summary>Whose requests are counted together. Default <see cref="RuleScope.Client"/>.</summary>
    public RuleScope Scope { get; set; } = RuleScope.Client;

    /// <summary>Limits by client tier, e.g. <c>{ "free": "100/minute", "premium": "1000/minute" }</c>; clients without a listed tier get <see cref="Limit"/>.</summary>
    public Dictionary<string, string> Tiers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A rule that guards against guessing (logins, password resets, one-time codes): its limits hold for the client's
    /// address as well as for its identity, so no header the client sends buys more attempts. Default: on for a path
    /// with a segment that names a credential (<c>login</c>, <c>signin</c>, <c>logon</c>, <c>token</c>, <c>password</c>,
    /// <c>otp</c>, <c>mfa</c>, <c>2fa</c>); set <see langword="false"/> to turn that off.
    /// </summary>
    public bool? Sensitive { get; set; }

    /// <summary>Delay instead of reject past the limit.</summary>
    public SlowDownOptions SlowDown { get; set; } = new();
}
