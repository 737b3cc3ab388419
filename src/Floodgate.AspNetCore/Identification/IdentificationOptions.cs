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

    internal static readonly IReadOnlyList<IdentitySource> DefaultSources = [IdentitySource.User, IdentitySource.ApiKey, IdentitySource.Jwt, IdentitySource.Ip];
}
