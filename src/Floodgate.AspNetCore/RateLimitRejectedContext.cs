using Floodgate.AspNetCore.Identification;
using Microsoft.AspNetCore.Http;

namespace Floodgate.AspNetCore;

/// <summary>
/// What <see cref="FloodgateOptions.OnRejected"/> is given, in the shape of ASP.NET Core's <c>OnRejectedContext</c>:
/// the request, and what Floodgate decided about it. When the callback runs, the status code and the rate-limit headers
/// (<c>Retry-After</c>, <c>X-RateLimit-*</c>, <c>RateLimit</c>) are set and nothing is written yet. The callback may
/// change the status or the headers, add its own, and write its own body: once the response has started, Floodgate
/// writes nothing more; otherwise it writes its <c>application/problem+json</c> body after the callback.
/// </summary>
public sealed class RateLimitRejectedContext
{
    /// <summary>The rejected request.</summary>
    public required HttpContext HttpContext { get; init; }

    /// <summary>The denial: reason, layer, limit, retry-after.</summary>
    public required RateLimitDecision Decision { get; init; }

    /// <summary>The name of the policy that applied.</summary>
    public required string Policy { get; init; }

    /// <summary>Who the request comes from.</summary>
    public required ClientIdentity Client { get; init; }

    /// <summary>The client's tier, when it has one.</summary>
    public string? Tier { get; init; }
}
