using Microsoft.AspNetCore.Builder;

namespace Floodgate.AspNetCore.Policies;

/// <summary><c>.RateLimit("3/minute")</c> and <c>.DisableRateLimit()</c> for minimal-API endpoints and groups.</summary>
public static class FloodgateEndpointConventionBuilderExtensions
{
    /// <summary>Limits the endpoints with <paramref name="limit"/> (limit notation; several separated by <c>;</c>).</summary>
    /// <param name="builder">The endpoint or group.</param>
    /// <param name="limit">Limit notation, e.g. <c>3/minute</c>.</param>
    /// <param name="scope">Whose requests count together.</param>
    /// <param name="cost">Units one request takes.</param>
    /// <param name="name">The policy name in headers and metrics; default the route.</param>
    /// <param name="sensitive">Guards against guessing: the limits hold for the client's address as well (see <see cref="RuleOptions.Sensitive"/>).</param>
    public static TBuilder RateLimit<TBuilder>(this TBuilder builder, string limit, RuleScope scope = RuleScope.Client, long cost = 1, string? name = null, bool sensitive = false)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The attribute validates the notation, so a bad limit fails at start-up, not on the first request.
        builder.WithMetadata(new RateLimitAttribute(limit) { Scope = scope, Cost = cost, Name = name, Sensitive = sensitive });
        return builder;
    }

    /// <summary>Exempts the endpoints from every Floodgate layer.</summary>
    public static TBuilder DisableRateLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new DisableRateLimitAttribute());
        return builder;
    }
}
