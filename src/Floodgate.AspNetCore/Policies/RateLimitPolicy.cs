namespace Floodgate.AspNetCore.Policies;

/// <summary>A compiled rule: the limits that apply to the requests it matches, and how they are keyed.</summary>
internal sealed class RateLimitPolicy
{
    public RateLimitPolicy(string name, RateLimit[] limits, long cost, RuleScope scope, IReadOnlyDictionary<string, RateLimit[]>? tiers, SlowDownOptions? slowDown)
    {
        Name = name;
        Limits = limits;
        Cost = cost;
        Scope = scope;
        Tiers = tiers is { Count: > 0 } ? tiers : null;
        SlowDown = slowDown is { Enabled: true } ? slowDown : null;
        KeyPrefix = KeySpace + name + "|";
    }

    /// <summary>
    /// What every key of an HTTP policy starts with. The decision API, the Envoy service and the layers key their
    /// state under other prefixes, so no caller of one can reach the state of another.
    /// </summary>
    public const string KeySpace = "h|";

    public string Name { get; }

    public RateLimit[] Limits { get; }

    public long Cost { get; }

    public RuleScope Scope { get; }

    public IReadOnlyDictionary<string, RateLimit[]>? Tiers { get; }

    public SlowDownOptions? SlowDown { get; }

    public string KeyPrefix { get; }

    /// <summary>Guards against guessing: the limits hold for the client's address as well as its identity.</summary>
    public bool Sensitive { get; init; }

    /// <summary>Methods matched (upper case); all when null.</summary>
    public HashSet<string>? Methods { get; init; }

    /// <summary>The path matched; null for attribute and default policies.</summary>
    public PathPattern? Path { get; init; }

    public bool Matches(string method, string path) =>
        (Methods is null || Methods.Contains(method)) && (Path is null || Path.IsMatch(path));

    /// <summary>
    /// Header text that depends on nothing but this policy's own <see cref="Limits"/>, built on first use by
    /// <see cref="Headers.RateLimitHeaders"/> so that it is not rebuilt on every response.
    /// </summary>
    internal string? PolicyFieldCache;

    /// <summary>The item name of each of <see cref="Limits"/> (<c>default-minute</c>, ...), built on first use.</summary>
    internal string[]? ItemNamesCache;

    public RateLimit[] LimitsFor(string? tier) =>
        tier is not null && Tiers is not null && Tiers.TryGetValue(tier, out var tierLimits) ? tierLimits : Limits;
}
