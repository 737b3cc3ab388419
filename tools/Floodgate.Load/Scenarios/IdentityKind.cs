namespace Floodgate.Load.Scenarios;

/// <summary>How simulated clients tell themselves apart.</summary>
internal enum IdentityKind
{
    /// <summary>No identity header: every request is the tool's own address.</summary>
    None,

    /// <summary>A distinct <c>X-Forwarded-For</c> address per client, from the documentation ranges.</summary>
    Forwarded,

    /// <summary>A distinct <c>X-API-Key</c> per client.</summary>
    ApiKey,

    /// <summary><c>X-Forwarded-For</c> addresses that rotate inside one IPv6 /64 (the ipv6-rotation scenario).</summary>
    RotatingIpv6,
}
