namespace Floodgate.AspNetCore.Identification;

/// <summary>What identified a client.</summary>
public enum ClientKind
{
    /// <summary>An authenticated user.</summary>
    User = 0,

    /// <summary>An API key.</summary>
    ApiKey = 1,

    /// <summary>An unverified JWT subject (with the IP).</summary>
    Jwt = 2,

    /// <summary>A client id header.</summary>
    ClientId = 3,

    /// <summary>The address (and fingerprint).</summary>
    Ip = 4,
}
