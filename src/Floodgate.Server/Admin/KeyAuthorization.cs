using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Floodgate.Server.Admin;

/// <summary>
/// Checks a secret sent as <c>X-Admin-Key</c>, <c>Authorization: Bearer</c> or (for browsers' WebSocket and SSE)
/// the <c>key</c> query parameter against configured keys, in constant time. Configured keys are kept only as
/// SHA-256 hashes. With no key configured, only loopback callers pass.
/// </summary>
internal sealed class KeyAuthorization
{
    private readonly byte[][] _hashes;

    public KeyAuthorization(IEnumerable<string?> keys)
    {
        _hashes = [.. keys.Where(k => !string.IsNullOrEmpty(k)).Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k!)))];
    }

    public bool HasKeys => _hashes.Length > 0;

    public bool IsAuthorized(HttpContext context)
    {
        if (!HasKeys)
        {
            return context.Connection.RemoteIpAddress is { } peer && IPAddress.IsLoopback(peer);
        }

        var presented = Presented(context);
        if (presented is null)
        {
            return false;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var match = false;
        foreach (var expected in _hashes)
        {
            // Compare against every key, always: the time taken says nothing about which key, or how much of it, matched.
            match |= CryptographicOperations.FixedTimeEquals(hash, expected);
        }

        return match;
    }

    private static string? Presented(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers["X-Admin-Key"] is [{ Length: > 0 and <= 1024 } header])
        {
            return header;
        }

        if (headers.Authorization is [{ } authorization] && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length <= 1031)
        {
            return authorization[7..].Trim();
        }

        return context.Request.Query["key"] is [{ Length: > 0 and <= 1024 } query] ? query : null;
    }
}

/// <summary>An endpoint filter that answers 401 with problem+json unless <see cref="KeyAuthorization"/> lets the caller in.</summary>
internal sealed class KeyAuthorizationFilter(KeyAuthorization authorization, string realm) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (authorization.IsAuthorized(context.HttpContext))
        {
            return next(context);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{realm}\"";
        var detail = authorization.HasKeys
            ? $"Send the {realm} key as X-Admin-Key or Authorization: Bearer."
            : $"No {realm} key is configured, so only loopback callers are allowed.";
        return ValueTask.FromResult<object?>(Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail));
    }
}

internal static class KeyAuthorizationExtensions
{
    public static TBuilder RequireKey<TBuilder>(this TBuilder builder, KeyAuthorization authorization, string realm)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new KeyAuthorizationFilter(authorization, realm));
}
