using Floodgate.AspNetCore.Identification;

namespace Floodgate.AspNetCore;

internal sealed class RateLimitFeature(string policy, ClientIdentity client, RateLimitDecision decision, string? tier) : IRateLimitFeature
{
    public string Policy { get; } = policy;

    public ClientIdentity Client { get; } = client;

    public RateLimitDecision Decision { get; } = decision;

    public string? Tier { get; } = tier;
}
