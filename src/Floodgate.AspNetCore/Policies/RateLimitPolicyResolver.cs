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
    private readonly ConcurrentDictionary<RateLimitAttribute, RateLimitPolicy> _attributePolicies = new(ReferenceEqualityComparer.Instance);

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
                return _attributePolicies.GetOrAdd(attribute, static (a, state) => Compile(a, state.endpoint, state.settings), (endpoint, settings));
            }
        }

        return settings.MatchRule(context.Request.Method, path);
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
}
