using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Floodgate.AspNetCore.Identification;

/// <summary>
/// Finds the client address: the connection peer, unless the peer is a trusted proxy; then the right-most address
/// in <c>Forwarded</c>, <c>X-Forwarded-For</c> or <c>X-Real-IP</c> (in that order) that is not itself a trusted
/// proxy. Anything malformed, oversized or hostile falls back to the peer; nothing here throws.
/// </summary>
internal sealed class ClientAddressResolver
{
    private const int MaxHeaderLength = 4096;
    private readonly IPNetwork[] _trusted;
    private readonly int _maxEntries;

    public ClientAddressResolver(IReadOnlyList<IPNetwork> trusted, int maxEntries)
    {
        _trusted = [.. trusted];
        _maxEntries = maxEntries;
    }

    public bool HasTrustedProxies => _trusted.Length > 0;

    public IPAddress? Resolve(HttpContext context)
    {
        var peer = Normalize(context.Connection.RemoteIpAddress);
        if (peer is null || !IsTrusted(peer))
        {
            return peer;
        }

        var headers = context.Request.Headers;
        return FromChain(headers["Forwarded"], forwarded: true)
            ?? FromChain(headers["X-Forwarded-For"], forwarded: false)
            ?? FromSingle(headers["X-Real-IP"])
            ?? peer;
    }

    public bool IsTrusted(IPAddress address)
    {
        foreach (var network in _trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>IPv4-mapped IPv6 becomes IPv4; scope ids are dropped.</summary>
    public static IPAddress? Normalize(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            return new IPAddress(address.GetAddressBytes());
        }

        return address;
    }

    /// <summary>Walks the chain right to left (the right-most entry was added by our own proxy) and returns the first untrusted address.</summary>
    private IPAddress? FromChain(StringValues values, bool forwarded)
    {
        if (StringValues.IsNullOrEmpty(values))
        {
            return null;
        }

        var total = 0;
        foreach (var value in values)
        {
            total += value?.Length ?? 0;
        }

        if (total > MaxHeaderLength)
        {
            return null;
        }

        IPAddress? leftmostTrusted = null;
        var seen = 0;
        for (var v = values.Count - 1; v >= 0; v--)
        {
            var value = values[v].AsSpan();
            while (!value.IsEmpty)
            {
                var comma = value.LastIndexOf(',');
                var entry = comma < 0 ? value : value[(comma + 1)..];
                value = comma < 0 ? [] : value[..comma];
                if (++seen > _maxEntries)
                {
                    return leftmostTrusted;
                }

                var address = forwarded ? ParseForwardedElement(entry) : ParseAddress(entry);
                if (address is null)
                {
                    // A malformed hop: nothing left of it can be trusted.
                    return leftmostTrusted;
                }

                if (!IsTrusted(address))
                {
                    return address;
                }

                leftmostTrusted = address;
            }
        }

        return leftmostTrusted;
    }

    private static IPAddress? FromSingle(StringValues values) =>
        values.Count != 1 || values[0] is not { Length: > 0 and <= 64 } value ? null : ParseAddress(value);

    /// <summary>RFC 7239 element, e.g. <c>for=192.0.2.60;proto=http;by=203.0.113.43</c> or <c>for="[2001:db8::1]:4711"</c>.</summary>
    private static IPAddress? ParseForwardedElement(ReadOnlySpan<char> element)
    {
        while (!element.IsEmpty)
        {
            var semicolon = element.IndexOf(';');
            var pair = (semicolon < 0 ? element : element[..semicolon]).Trim();
            element = semicolon < 0 ? [] : element[(semicolon + 1)..];
            var equals = pair.IndexOf('=');
            if (equals > 0 && pair[..equals].Trim().Equals("for", StringComparison.OrdinalIgnoreCase))
            {
                var node = pair[(equals + 1)..].Trim();
                if (node.Length >= 2 && node[0] == '"' && node[^1] == '"')
                {
                    node = node[1..^1];
                }

                return ParseAddress(node);
            }
        }

        return null;
    }

    /// <summary>An address with an optional port: <c>1.2.3.4</c>, <c>1.2.3.4:80</c>, <c>2001:db8::1</c>, <c>[2001:db8::1]:443</c>.</summary>
    public static IPAddress? ParseAddress(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.IsEmpty || text.Length > 64)
        {
            return null;
        }

        if (text[0] == '[')
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                return null;
            }

            var rest = text[(close + 1)..];
            if (!rest.IsEmpty && (rest[0] != ':' || !ushort.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                return null;
            }

            text = text[1..close];
        }
        else if (text.Count(':') == 1)
        {
            var colon = text.IndexOf(':');
            if (!ushort.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return null;
            }

            text = text[..colon];
        }

        // Only plain dotted-quad or IPv6 text: IPAddress.TryParse also accepts forms like "1" or "0x7f.1".
        foreach (var c in text)
        {
            if (!(char.IsAsciiHexDigit(c) || c is '.' or ':'))
            {
                return null;
            }
        }

        if (!text.Contains(':') && text.Count('.') != 3)
        {
            return null;
        }

        return IPAddress.TryParse(text, out var address) ? Normalize(address) : null;
    }
}
