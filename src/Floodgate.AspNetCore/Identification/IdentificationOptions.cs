namespace Floodgate.AspNetCore.Identification;

/// <summary>How clients are told apart (<c>Floodgate:Identification</c>).</summary>
public sealed class IdentificationOptions
{
    /// <summary>The sources tried in order. Default <c>User, ApiKey, Jwt, Ip</c> (Jwt answers only with <see cref="TrustUnverifiedJwt"/>).</summary>
    public List<IdentitySource>? Sources { get; set; }

    /// <summary>The header carrying an API key. Default <c>X-API-Key</c>.</summary>
    public string ApiKeyHeader { get; set; } = "X-API-Key";

    /// <summary>The header carrying a client id. Default <c>X-Client-ID</c>.</summary>
    public string ClientIdHeader { get; set; } = "X-Client-ID";

    /// <summary>Whether the <c>sub</c> of an unverified bearer JWT may identify a client (always combined with the IP). Default <see langword="false"/>.</summary>
    public bool TrustUnverifiedJwt { get; set; }

    /// <summary>How anonymous clients are fingerprinted. Default <see cref="FingerprintLevel.Relaxed"/>.</summary>
    public FingerprintLevel Fingerprint { get; set; } = FingerprintLevel.Relaxed;

    /// <summary>IPv6 addresses are grouped by this prefix, so rotating inside one allocation does not escape. Default 64.</summary>
    public int Ipv6PrefixLength { get; set; } = 64;

    /// <summary>
    /// How many unverified identities (API keys without an <see cref="IApiKeyValidator"/> to vouch for them,
    /// <c>X-Client-ID</c>, unverified JWT subjects, fingerprints) one address may present within <see cref="IdentityWindow"/>
    /// before all of them are limited as that address, one client. Default 10; 0 limits every unverified identity as its address.
    /// </summary>
    public int MaxIdentitiesPerAddress { get; set; } = 10;

    /// <summary>The window over which <see cref="MaxIdentitiesPerAddress"/> counts. Default one hour.</summary>
    public TimeSpan IdentityWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How many addresses the identity ceiling tracks at once (about 200 B each). Beyond it, expired addresses are
    /// dropped; while none has expired, a new address's unverified identities are limited as the address. Default 100,000.
    /// </summary>
    public int MaxTrackedAddresses { get; set; } = 100_000;

    internal static readonly IReadOnlyList<IdentitySource> DefaultSources = [IdentitySource.User, IdentitySource.ApiKey, IdentitySource.Jwt, IdentitySource.Ip];
}
