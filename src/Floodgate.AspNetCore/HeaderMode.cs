namespace Floodgate.AspNetCore;

/// <summary>Which rate-limit headers responses carry (<c>Floodgate:Headers</c>).</summary>
public enum HeaderMode
{
    /// <summary><c>X-RateLimit-*</c> and the IETF <c>RateLimit</c> / <c>RateLimit-Policy</c> fields.</summary>
    Both = 0,

    /// <summary><c>X-RateLimit-Limit</c>, <c>X-RateLimit-Remaining</c>, <c>X-RateLimit-Reset</c> only.</summary>
    Legacy = 1,

    /// <summary>The IETF draft's <c>RateLimit-Policy</c> and <c>RateLimit</c> fields only.</summary>
    Draft = 2,

    /// <summary>No rate-limit headers (a denial still carries <c>Retry-After</c>).</summary>
    None = 3,
}
