using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Floodgate.AspNetCore.Policies;

/// <summary>
/// Chooses the policy of a request: none for <c>[DisableRateLimit]</c> and exempt paths; the endpoint's
/// <c>[RateLimit]</c> metadata; the first matching configured rule; the default policy.
/// </summary>
internal sealed class RateLimitPolicyResolver
{
    /// <summary>
    /// Attribute policies compiled, each with the settings it was compiled under: an entry of older settings is
    /// compiled again, so that a reload (a new default algorithm, say) reaches attribute policies too.
    /// </summary>
    private readonly ConcurrentDictionary<RateLimitAttribute, CompiledAttribute> _attributePolicies = new(ReferenceEqualityComparer.Instance);

    public RateLimitPolicy? Resolve(FloodgateSettings settings, HttpContext context, Endpoint? endpoint)
    {
        var path = context.Request.Path.Value ?? "/";
        if (settings.IsExempt(path))
        {
            return null;
        }

        if (endpoint is not null)
        {
            var metadata = endpoint.Metadata;
            if (metadata.GetMetadata<DisableRateLimitAttribute>() is not null)
            {
                return null;
            }

            if (metadata.GetMetadata<RateLimitAttribute>() is { } attribute)
            {
                return _attributePolicies.TryGetValue(attribute, out var compiled) && ReferenceEquals(compiled.Settings, settings)
                    ? compiled.Policy
                    : CompileAndCache(attribute, endpoint, settings);
            }
        }

        return settings.MatchRule(context.Request.Method, path);
    }

    private RateLimitPolicy CompileAndCache(RateLimitAttribute attribute, Endpoint endpoint, FloodgateSettings settings)
    {
        var policy = Compile(attribute, endpoint, settings);
        _attributePolicies[attribute] = new CompiledAttribute(settings, policy);
        return policy;
    }

    private static RateLimitPolicy Compile(RateLimitAttribute attribute, Endpoint endpoint, FloodgateSettings settings)
    {
        if (!PolicyCompiler.TryParseLimits(attribute.Limit, null, null, settings.Options.Algorithm, out var limits, out var error))
        {
            throw new InvalidOperationException($"[RateLimit(\"{attribute.Limit}\")] on {endpoint.DisplayName}: {error}");
        }

        var route = endpoint is RouteEndpoint routeEndpoint ? routeEndpoint.RoutePattern.RawText : null;
        var name = attribute.Name ?? route ?? endpoint.DisplayName ?? "endpoint";
        return new RateLimitPolicy(name, limits, Math.Max(attribute.Cost, 1), attribute.Scope, null, null)
        {
            Sensitive = attribute.Sensitive || PolicyCompiler.NamesCredential(route),
        };
    }

    private sealed record CompiledAttribute(FloodgateSettings Settings, RateLimitPolicy Policy);
}
