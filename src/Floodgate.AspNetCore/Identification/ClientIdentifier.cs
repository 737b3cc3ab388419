using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Floodgate.AspNetCore.Identification;

/// <summary>
/// Tells who a request comes from, trying the configured sources in order. Secrets (API keys), user names, JWT
/// subjects and fingerprints become fixed-length SHA-256 keys; an address stays readable (<c>ip:…</c>).
/// Never throws on hostile input: a source that cannot read its header passes to the next.
/// </summary>
internal sealed class ClientIdentifier
{
    private const int MaxHeaderValue = 1024;
    private readonly IdentitySource[] _sources;
    private readonly IdentificationOptions _options;
    private readonly ClientAddressResolver _addresses;

    public ClientIdentifier(IdentificationOptions options, ClientAddressResolver addresses)
    {
        _options = options;
        // An array, so that the loop in Identify needs no enumerator object per request.
        _sources = options.Sources is { Count: > 0 } sources ? [.. sources] : [.. IdentificationOptions.DefaultSources];
        _addresses = addresses;
    }

    public ClientIdentity Identify(HttpContext context)
    {
        var address = Mask(_addresses.Resolve(context), _options.Ipv6PrefixLength);
        // An address that is not masked has the same key on every request of a connection: made once per connection.
        var keys = address is not null && (address.AddressFamily != AddressFamily.InterNetworkV6 || _options.Ipv6PrefixLength >= 128) ? AddressKeys.For(address) : null;
        var addressKey = keys?.AddressKey ?? AddressKey(address);
        var apiKeyHash = ReadHeader(context, _options.ApiKeyHeader) is { } apiKey ? Hash("key:", apiKey) : null;
        foreach (var source in _sources)
        {
            switch (source)
            {
                case IdentitySource.User when AuthenticatedUser(context) is { } principal && UserName(principal) is { } user:
                    return new ClientIdentity(Hash("user:", user), ClientKind.User, address, addressKey, apiKeyHash, IsAuthenticated: true) { IsVerified = true, AddressKeys = keys };
                case IdentitySource.ApiKey when apiKeyHash is not null:
                    return new ClientIdentity(apiKeyHash, ClientKind.ApiKey, address, addressKey, apiKeyHash, IsAuthenticated: false) { AddressKeys = keys };
                case IdentitySource.Jwt when _options.TrustUnverifiedJwt && JwtSubject(context) is { } subject:
                    return new ClientIdentity(Hash("jwt:", subject + "|" + addressKey), ClientKind.Jwt, address, addressKey, apiKeyHash, IsAuthenticated: false) { AddressKeys = keys };
                case IdentitySource.ClientId when ReadHeader(context, _options.ClientIdHeader) is { } clientId:
                    return new ClientIdentity(Hash("cid:", clientId), ClientKind.ClientId, address, addressKey, apiKeyHash, IsAuthenticated: false) { AddressKeys = keys };
                case IdentitySource.Ip:
                    return ByAddress(context, address, addressKey, apiKeyHash, keys);
            }
        }

        return ByAddress(context, address, addressKey, apiKeyHash, keys);
    }

    private ClientIdentity ByAddress(HttpContext context, IPAddress? address, string addressKey, string? apiKeyHash, AddressKeys? keys)
    {
        if (keys is not null && apiKeyHash is null && _options.Fingerprint == FingerprintLevel.Relaxed)
        {
            return keys.AddressIdentity ??= new ClientIdentity(addressKey, ClientKind.Ip, address, addressKey, null, IsAuthenticated: false) { AddressKeys = keys };
        }

        return new ClientIdentity(Fingerprint(context, addressKey), ClientKind.Ip, address, addressKey, apiKeyHash, IsAuthenticated: false) { AddressKeys = keys };
    }

    public static IPAddress? Mask(IPAddress? address, int ipv6Prefix)
    {
        if (address is null || address.AddressFamily != AddressFamily.InterNetworkV6 || ipv6Prefix >= 128)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        for (var bit = ipv6Prefix; bit < 128; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }

    private string AddressKey(IPAddress? address) => address switch
    {
        null => "ip:unknown",
        { AddressFamily: AddressFamily.InterNetworkV6 } when _options.Ipv6PrefixLength < 128 => $"ip:{address}/{_options.Ipv6PrefixLength}",
        _ => "ip:" + address,
    };

    private string Fingerprint(HttpContext context, string addressKey)
    {
        if (_options.Fingerprint == FingerprintLevel.Relaxed)
        {
            return addressKey;
        }

        var headers = context.Request.Headers;
        var builder = new StringBuilder(addressKey).Append('\n').Append(Bounded(headers.UserAgent.ToString()));
        if (_options.Fingerprint == FingerprintLevel.Strict)
        {
            builder.Append('\n').Append(Bounded(headers.AcceptLanguage.ToString()))
                .Append('\n').Append(Bounded(headers.AcceptEncoding.ToString())).Append('\n');
            foreach (var header in headers)
            {
                builder.Append(header.Key.ToUpperInvariant()).Append(',');
            }
        }

        return Hash("fp:", builder.ToString());
    }

    private static string Bounded(string value) => value.Length > MaxHeaderValue ? value[..MaxHeaderValue] : value;

    internal static string? ReadHeader(HttpContext context, string name)
    {
        var values = context.Request.Headers[name];
        if (values.Count != 1)
        {
            return null;
        }

        var value = values[0]?.Trim();
        return string.IsNullOrEmpty(value) || value.Length > MaxHeaderValue ? null : value;
    }

    /// <summary>
    /// The authenticated user, or <see langword="null"/>. Reads the authentication feature directly: the getter of
    /// <see cref="DefaultHttpContext.User"/> would create and store an empty principal (three objects) on every
    /// anonymous request just to say "not authenticated".
    /// </summary>
    internal static ClaimsPrincipal? AuthenticatedUser(HttpContext context)
    {
        var user = context is DefaultHttpContext ? context.Features.Get<IHttpAuthenticationFeature>()?.User : context.User;
        return user?.Identity?.IsAuthenticated == true ? user : null;
    }

    private static string? UserName(ClaimsPrincipal user) =>
        user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.FindFirst("sub")?.Value ?? user.Identity?.Name;

    /// <summary>The <c>sub</c> of a bearer JWT, read without verifying the signature.</summary>
    private static string? JwtSubject(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization;
        if (authorization.Count != 1 || authorization[0] is not { Length: > 7 and <= 8192 } header ||
            !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = header.AsSpan(7).Trim();
        var firstDot = parts.IndexOf('.');
        if (firstDot <= 0)
        {
            return null;
        }

        var payload = parts[(firstDot + 1)..];
        var secondDot = payload.IndexOf('.');
        if (secondDot <= 0)
        {
            return null;
        }

        payload = payload[..secondDot];
        var buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payload.Length));
        try
        {
            if (Base64Url.DecodeFromChars(payload, buffer, out _, out var written) != OperationStatus.Done)
            {
                return null;
            }

            var reader = new Utf8JsonReader(buffer.AsSpan(0, written), new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSubject = reader.ValueTextEquals("sub"u8);
                reader.Read();
                if (isSubject)
                {
                    return reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 and <= 256 } sub ? sub : null;
                }

                reader.Skip();
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal static string Hash(string prefix, string value)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        var rented = maxBytes > 512 ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[512];
            var length = Encoding.UTF8.GetBytes(value, bytes);
            SHA256.HashData(bytes[..length], hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        // 128 bits of the hash: a fixed-length key, collision-free in practice.
        return prefix + Convert.ToHexStringLower(hash[..16]);
    }
}
