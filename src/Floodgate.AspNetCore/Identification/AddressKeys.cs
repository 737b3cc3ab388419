using System.Net;
using System.Runtime.CompilerServices;

namespace Floodgate.AspNetCore.Identification;

/// <summary>
/// The key text of one client address (<c>ip:203.0.113.7</c>) and the last policy key made from it
/// (<c>h|default|ip:203.0.113.7</c>), kept with the <see cref="IPAddress"/> object a connection reports for all its
/// requests, so that a keep-alive connection builds them once rather than per request.
/// </summary>
internal sealed class AddressKeys
{
    private static readonly ConditionalWeakTable<IPAddress, AddressKeys> Cache = new();
    private PrefixedKey? _last;

    private AddressKeys(string addressKey) => AddressKey = addressKey;

    public string AddressKey { get; }

    /// <summary>
    /// The identity of a client known by this address alone (no key, no user, relaxed fingerprint): immutable, so the
    /// same for every such request of the connection.
    /// </summary>
    public ClientIdentity? AddressIdentity { get; set; }

    /// <summary>The keys of <paramref name="address"/> (that very object, unmasked), made on first use.</summary>
    public static AddressKeys For(IPAddress address) =>
        Cache.GetValue(address, static a => new AddressKeys("ip:" + a));

    /// <summary><paramref name="prefix"/> followed by <see cref="AddressKey"/>.</summary>
    public string Under(string prefix)
    {
        var last = Volatile.Read(ref _last);
        if (last is not null && ReferenceEquals(last.Prefix, prefix))
        {
            return last.Key;
        }

        var key = prefix + AddressKey;
        Volatile.Write(ref _last, new PrefixedKey(prefix, key));
        return key;
    }

    private sealed record PrefixedKey(string Prefix, string Key);
}
