using System.Globalization;
using System.Net;

namespace Floodgate.Load.Scenarios;

/// <summary>
/// The header values of the simulated clients, made once before the run; request <c>n</c> is sent as client
/// <c>n mod Count</c>. Addresses come only from the ranges reserved for documentation (RFC 5737: 198.51.100.0/24,
/// 203.0.113.0/24, 192.0.2.0/24; RFC 3849: 2001:db8::/32): they are only ever written into a header, never connected to.
/// </summary>
internal sealed class ClientIdentities
{
    /// <summary>The IPv4 documentation blocks, in the order clients take them.</summary>
    private static readonly byte[][] Ipv4Blocks = [[198, 51, 100], [203, 0, 113], [192, 0, 2]];

    /// <summary>Forwarded clients beyond this many get IPv6 addresses, each in its own /64 under 2001:db8::/32.</summary>
    public const int Ipv4Capacity = 3 * 254;

    /// <summary>The /64 that the ipv6-rotation scenario rotates inside.</summary>
    public static readonly IPNetwork RotationNetwork = IPNetwork.Parse("2001:db8:ffff:1::/64");

    private readonly string[] _values;

    private ClientIdentities(IdentityKind kind, string? headerName, string[] values)
    {
        Kind = kind;
        HeaderName = headerName;
        _values = values;
    }

    public IdentityKind Kind { get; }

    /// <summary>The header that carries the identity; null for <see cref="IdentityKind.None"/>.</summary>
    public string? HeaderName { get; }

    /// <summary>Simulated clients; 1 for <see cref="IdentityKind.None"/>.</summary>
    public int Count => Math.Max(1, _values.Length);

    public string Name => Kind switch
    {
        IdentityKind.Forwarded => "forwarded",
        IdentityKind.ApiKey => "api-key",
        IdentityKind.RotatingIpv6 => "forwarded-ipv6-64",
        _ => "none",
    };

    /// <summary>Every client's header value, in client order (empty for <see cref="IdentityKind.None"/>).</summary>
    public IReadOnlyList<string> Values => _values;

    public string? ValueFor(long sequence) => _values.Length == 0 ? null : _values[sequence % _values.Length];

    /// <summary>The values of <paramref name="clients"/> clients numbered from <paramref name="first"/> on.</summary>
    public static ClientIdentities Create(IdentityKind kind, int clients, int first = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        return kind switch
        {
            IdentityKind.Forwarded => new(kind, "X-Forwarded-For", Make(clients, first, ForwardedAddress)),
            IdentityKind.ApiKey => new(kind, "X-API-Key", Make(clients, first, ApiKey)),
            IdentityKind.RotatingIpv6 => new(kind, "X-Forwarded-For", Make(clients, first, RotatingAddress)),
            _ => new(kind, null, []),
        };
    }

    /// <summary>Client 0 is 198.51.100.1, client 253 is 198.51.100.254, client 254 is 203.0.113.1, and so on.</summary>
    internal static string ForwardedAddress(int client)
    {
        if (client < Ipv4Capacity)
        {
            var block = Ipv4Blocks[client / 254];
            return new IPAddress([block[0], block[1], block[2], (byte)((client % 254) + 1)]).ToString();
        }

        // 2001:db8:H:L::1, one /64 per client.
        var n = client - Ipv4Capacity;
        var bytes = new byte[16];
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        bytes[2] = 0x0d;
        bytes[3] = 0xb8;
        bytes[4] = (byte)(n >> 24);
        bytes[5] = (byte)(n >> 16);
        bytes[6] = (byte)(n >> 8);
        bytes[7] = (byte)n;
        bytes[15] = 1;
        return new IPAddress(bytes).ToString();
    }

    internal static string ApiKey(int client) =>
        string.Create(CultureInfo.InvariantCulture, $"floodgate-load-{client:D6}");

    /// <summary>An address inside <see cref="RotationNetwork"/> with a scrambled interface id, like a privacy address.</summary>
    internal static string RotatingAddress(int client)
    {
        var bytes = RotationNetwork.BaseAddress.GetAddressBytes();
        var id = Scramble((ulong)client + 1);
        for (var i = 0; i < 8; i++)
        {
            bytes[8 + i] = (byte)(id >> (56 - (8 * i)));
        }

        return new IPAddress(bytes).ToString();
    }

    /// <summary>SplitMix64's finaliser: distinct inputs give distinct, evenly spread outputs.</summary>
    private static ulong Scramble(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static string[] Make(int count, int first, Func<int, string> value)
    {
        var values = new string[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = value(first + i);
        }

        return values;
    }
}
