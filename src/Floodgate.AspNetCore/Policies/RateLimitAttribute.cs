namespace Floodgate.AspNetCore.Policies;

/// <summary>
/// Limits a controller, action or endpoint: <c>[RateLimit("3/minute")]</c>, <c>[RateLimit("100/minute;1000/hour")]</c>,
/// <c>[RateLimit("3/minute SlidingWindowLog")]</c>. Takes precedence over configured rules.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class RateLimitAttribute : Attribute
{
    /// <summary>Limits the endpoint with <paramref name="limit"/> (limit notation; several separated by <c>;</c>).</summary>
    /// <exception cref="ArgumentException">The limit is not valid notation.</exception>
    public RateLimitAttribute(string limit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(limit);
        if (!PolicyCompiler.TryParseLimits(limit, null, null, RateLimitAlgorithm.SlidingWindowCounter, out _, out var error))
        {
            throw new ArgumentException($"[RateLimit(\"{limit}\")]: {error}", nameof(limit));
        }

        Limit = limit;
    }

    /// <summary>The limit notation.</summary>
    public string Limit { get; }

    /// <summary>The policy name in headers and metrics. Default: the route.</summary>
    public string? Name { get; set; }

    /// <summary>Units one request takes. Default 1.</summary>
    public long Cost { get; set; } = 1;

    /// <summary>Whose requests count together. Default <see cref="RuleScope.Client"/>.</summary>
    public RuleScope Scope { get; set; } = RuleScope.Client;

    /// <summary>
    /// Guards against guessing: the limits hold for the client's address as well as its identity (see
    /// <see cref="RuleOptions.Sensitive"/>). A route with a credential segment (<c>/login</c>, <c>/token</c>, ...) is sensitive anyway.
    /// </summary>
    public bool Sensitive { get; set; }
}
