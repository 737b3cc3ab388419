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
        KeyPrefix = name + "|";
    }

    public string Name { get; }

    public RateLimit[] Limits { get; }

    public long Cost { get; }

    public RuleScope Scope { get; }

    public IReadOnlyDictionary<string, RateLimit[]>? Tiers { get; }

    public SlowDownOptions? SlowDown { get; }

    public string KeyPrefix { get; }

    /// <summary>Methods matched (upper case); all when null.</summary>
    public HashSet<string>? Methods { get; init; }

    /// <summary>The path matched; null for attribute and default policies.</summary>
    public PathPattern? Path { get; init; }

    public bool Matches(string method, string path) =>
        (Methods is null || Methods.Contains(method)) && (Path is null || Path.IsMatch(path));

    public RateLimit[] LimitsFor(string? tier) =>
        tier is not null && Tiers is not null && Tiers.TryGetValue(tier, out var tierLimits) ? tierLimits : Limits;
}
