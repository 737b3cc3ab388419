namespace Floodgate.AspNetCore.Policies;

/// <summary>
/// Checks a rule as Floodgate compiles it, for a <see cref="IRateLimitRuleSource"/> that takes rules from people (an
/// admin API, a database) and answers a bad one with the reason instead of skipping it at the next reload.
/// </summary>
public static class RuleValidator
{
    /// <summary>Whether <paramref name="pattern"/> is a path pattern a rule accepts (<c>/api/**</c>, <c>/users/*/orders</c>); otherwise <paramref name="error"/> says why.</summary>
    public static bool IsValidPath(string? pattern, out string error) => PathPattern.TryParse(pattern, out _, out error);

    /// <summary>
    /// The problems compiling <paramref name="rule"/> under <paramref name="options"/> reports (a limit that does not
    /// parse, a burst on an algorithm without one...), each prefixed with <paramref name="key"/>; empty when it compiles.
    /// </summary>
    public static IReadOnlyList<string> Validate(RuleOptions rule, FloodgateOptions options, string key = "rule")
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(key);
        var problems = new List<string>();
        PolicyCompiler.CompileRule(rule, key, rule.Name ?? key, options, problems);
        return problems;
    }
}
