using Floodgate.AspNetCore.Identification;

namespace Floodgate.AspNetCore.Steps;

/// <summary>The layers' call under way, and what the verdict needs besides (see <see cref="RequestDecider.Start"/>).</summary>
internal readonly struct LayersPending(LayerCall call, ClientIdentity client, string? tier, RateLimit[] limits)
{
    /// <summary>Whether the store's answer is under way: the caller awaits <see cref="LayerCall.Pending"/>, then finishes.</summary>
    public bool IsWaiting => Limits is not null;

    public LayerCall Call { get; } = call;

    public ClientIdentity Client { get; } = client;

    public string? Tier { get; } = tier;

    public RateLimit[] Limits { get; } = limits;
}
