namespace Floodgate.AspNetCore.Identification;

/// <summary>How much of an anonymous request identifies its client.</summary>
public enum FingerprintLevel
{
    /// <summary>The address alone: every client behind one NAT shares a limit.</summary>
    Relaxed = 0,

    /// <summary>Address and User-Agent.</summary>
    Normal = 1,

    /// <summary>Address, User-Agent, Accept-Language, Accept-Encoding and a hash of the header names in order.</summary>
    Strict = 2,
}
