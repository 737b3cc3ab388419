using System.Net;

namespace Floodgate.AspNetCore.Identification;

/// <summary>Who a request comes from.</summary>
/// <param name="Id">A fixed-shape key: <c>ip:203.0.113.7</c>, <c>ip:2001:db8:1:2::/64</c>, <c>key:…</c>, <c>user:…</c>, <c>fp:…</c> (secrets and fingerprints hashed).</param>
/// <param name="Kind">What identified the client.</param>
/// <param name="Address">The client address after proxies (IPv6 masked to the prefix), or <see langword="null"/> when unknown.</param>
/// <param name="AddressKey">The address key (<c>ip:…</c>), used by IP-scoped rules.</param>
/// <param name="ApiKeyHash">The hashed API key when the request carried one.</param>
/// <param name="IsAuthenticated">An authenticated user.</param>
public sealed record ClientIdentity(string Id, ClientKind Kind, IPAddress? Address, string AddressKey, string? ApiKeyHash, bool IsAuthenticated)
{
    /// <summary>
    /// Whether <see cref="Id"/> stands on its own: an authenticated user, or an API key that the application's
    /// <see cref="IApiKeyValidator"/> accepted. What the client merely claims (an unverified key, <c>X-Client-ID</c>,
    /// an unverified JWT, a fingerprint) is not verified: it answers for its address as well.
    /// </summary>
    public bool IsVerified { get; init; }

    /// <summary>The key that violations count against and bans are looked up by: the identity when verified, the address otherwise.</summary>
    public string PenaltyKey => IsVerified ? Id : AddressKey;
}
