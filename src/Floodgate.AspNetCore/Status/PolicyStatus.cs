namespace Floodgate.AspNetCore.Status;

/// <summary>A caller's standing on one policy (<see cref="ClientStatus.Policies"/>).</summary>
/// <param name="Name">The policy: a rule's name, or <c>default</c>.</param>
/// <param name="Path">The path pattern the rule matches; null for the default policy.</param>
/// <param name="Methods">The methods the rule matches (upper case, sorted); null for all.</param>
/// <param name="Scope">How the policy keys its state.</param>
/// <param name="Standings">Each limit's standing, without consuming (<see cref="RateLimitDecision.Rule"/> names the limit).</param>
public sealed record PolicyStatus(string Name, string? Path, IReadOnlyList<string>? Methods, RuleScope Scope, IReadOnlyList<RateLimitDecision> Standings);
