using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Floodgate.Server.Admin;

/// <summary>
/// Checks a secret sent as <c>X-Admin-Key</c>, <c>Authorization: Bearer</c> or (for browsers' WebSocket and SSE)
/// the <c>key</c> query parameter against configured keys, in constant time. Configured keys are kept only as
/// SHA-256 hashes. With no key configured, only a caller on this machine passes: a loopback socket peer whose
/// request carries no proxy header (behind a proxy on the same host, the peer is the proxy, not the caller).
/// </summary>
internal sealed class KeyAuthorization
{
    // Headers a reverse proxy adds to say whom it forwards for, or how the request came to it.
    private static readonly string[] ProxyHeaders =
    [
        "Forwarded", "X-Real-IP", "True-Client-IP", "X-Client-IP", "X-Cluster-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP", "Via",
    ];

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
            return context.Connection.RemoteIpAddress is { } peer && IPAddress.IsLoopback(peer) && !IsProxied(context.Request.Headers);
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

    /// <summary>Whether a proxy header is present: <see cref="ProxyHeaders"/>, or any <c>X-Forwarded-*</c> or <c>X-Original-*</c>.</summary>
    internal static bool IsProxied(IHeaderDictionary headers)
    {
        foreach (var name in ProxyHeaders)
        {
            if (headers.ContainsKey(name))
            {
                return true;
            }
        }

        foreach (var header in headers)
        {
            if (header.Key.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase) || header.Key.StartsWith("X-Original-", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
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
