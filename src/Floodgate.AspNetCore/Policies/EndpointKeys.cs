using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Floodgate.AspNetCore.Policies;

/// <summary>
/// The one place an endpoint's key is made: method and route template (<c>GET /api/items/{id}</c>), or method and path
/// for a request no route matched. The per-endpoint layer keys its state by it; the service's statistics and live
/// events name endpoints by it. A routed endpoint's keys are made once per method and kept with the endpoint.
/// </summary>
internal static class EndpointKeys
{
    /// <summary>What the per-endpoint layer's state keys start with.</summary>
    public const string LayerPrefix = "endpoint|";

    private static readonly ConditionalWeakTable<Endpoint, RouteKeys> Routes = new();

    /// <summary>The endpoint key of the request: <c>GET /api/items/{id}</c>.</summary>
    public static string Of(HttpContext context, Endpoint? endpoint) => Find(context, endpoint)?.Key ?? context.Request.Method + " " + context.Request.Path.Value;

    /// <summary>The per-endpoint layer's state key of the request: <c>endpoint|GET /api/items/{id}</c>.</summary>
    public static string LayerKey(HttpContext context, Endpoint? endpoint) =>
        Find(context, endpoint)?.LayerKey ?? LayerPrefix + context.Request.Method + " " + context.Request.Path.Value;

    private static MethodKey? Find(HttpContext context, Endpoint? endpoint) =>
        endpoint is RouteEndpoint { RoutePattern.RawText: not null }
            ? Routes.GetValue(endpoint, static e => new RouteKeys(((RouteEndpoint)e).RoutePattern.RawText!)).For(context.Request.Method)
            : null;

    private sealed record MethodKey(string Method, string Key, string LayerKey);

    /// <summary>One route's keys, one per method seen; copied on write, read without a lock.</summary>
    private sealed class RouteKeys(string route)
    {
        private const int MaxMethods = 16;
        private MethodKey[] _keys = [];

        public MethodKey? For(string method)
        {
            var keys = Volatile.Read(ref _keys);
            foreach (var key in keys)
            {
                // Kestrel hands out the same string instance for a known method: the reference test is the common hit.
                if (ReferenceEquals(key.Method, method) || string.Equals(key.Method, method, StringComparison.Ordinal))
                {
                    return key;
                }
            }

            var added = new MethodKey(method, method + " " + route, LayerPrefix + method + " " + route);
            if (keys.Length < MaxMethods)
            {
                Volatile.Write(ref _keys, [.. keys, added]);
            }

            return added;
        }
    }
}
