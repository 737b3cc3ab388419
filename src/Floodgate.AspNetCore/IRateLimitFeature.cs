using Floodgate.AspNetCore.Identification;

namespace Floodgate.AspNetCore;

/// <summary>What Floodgate decided for the current request; on <c>HttpContext.Features</c> after the middleware ran.</summary>
public interface IRateLimitFeature
{
    /// <summary>The policy that applied.</summary>
    string Policy { get; }

    /// <summary>Who the client is.</summary>
    ClientIdentity Client { get; }

    /// <summary>The decision that spoke for the request.</summary>
    RateLimitDecision Decision { get; }

    /// <summary>The client's tier, when it has one.</summary>
    string? Tier { get; }
}
