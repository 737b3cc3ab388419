namespace Floodgate.AspNetCore;

/// <summary>
/// Rules that change at run time (an admin API, a database). Floodgate applies them ahead of the configured rules,
/// first match wins, and rebuilds its settings whenever <see cref="Changed"/> fires: no restart.
/// </summary>
public interface IRateLimitRuleSource
{
    /// <summary>The rules in force now; each must have a unique <see cref="RuleOptions.Name"/>.</summary>
    IReadOnlyList<RuleOptions> Rules { get; }

    /// <summary>Raised after <see cref="Rules"/> changed.</summary>
    event Action? Changed;
}
