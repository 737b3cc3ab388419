namespace Floodgate.AspNetCore.Identification;

/// <summary>A way to tell who a client is; tried in the configured order, the first that answers wins.</summary>
public enum IdentitySource
{
    /// <summary>The authenticated user (<c>HttpContext.User</c>).</summary>
    User = 0,

    /// <summary>The API key header (<c>X-API-Key</c> by default), hashed.</summary>
    ApiKey = 1,

    /// <summary>The <c>sub</c> of a bearer JWT, parsed without verification and combined with the IP; only with <c>TrustUnverifiedJwt</c>.</summary>
    Jwt = 2,

    /// <summary>The <c>X-Client-ID</c> header, hashed. Clients choose it freely: use it only behind something that sets it.</summary>
    ClientId = 3,

    /// <summary>The client address (and, by fingerprint level, request headers). Always answers.</summary>
    Ip = 4,
}
