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

    /// <summary>Equal when every public member is: the cached key texts of a connection do not make an identity.</summary>
    /// <param name="other">The identity to compare with.</param>
    public bool Equals(ClientIdentity? other) =>
        other is not null && Id == other.Id && Kind == other.Kind && Equals(Address, other.Address) && AddressKey == other.AddressKey &&
        ApiKeyHash == other.ApiKeyHash && IsAuthenticated == other.IsAuthenticated && IsVerified == other.IsVerified;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Id, Kind, Address, AddressKey, ApiKeyHash, IsAuthenticated, IsVerified);

    /// <summary>The cached key texts of the address, when <see cref="AddressKey"/> came from them.</summary>
    internal AddressKeys? AddressKeys { get; init; }

    /// <summary><paramref name="prefix"/> followed by <see cref="AddressKey"/>, cached per connection where possible.</summary>
    internal string AddressKeyUnder(string prefix) =>
        AddressKeys is { } keys && ReferenceEquals(keys.AddressKey, AddressKey) ? keys.Under(prefix) : prefix + AddressKey;

    /// <summary><paramref name="prefix"/> followed by <see cref="Id"/>, cached per connection where the client is its address.</summary>
    internal string KeyUnder(string prefix) =>
        AddressKeys is { } keys && ReferenceEquals(keys.AddressKey, Id) ? keys.Under(prefix) : prefix + Id;
}
