using Floodgate.Algorithms;

namespace Floodgate.AspNetCore.Replay;

/// <summary>
/// What a replay keeps per client, together so that a request touches one place: its counts, the end of its ban, and
/// the state of the first policy it was counted under, for up to two of its limits (the default policy has two), which
/// for most clients is all the state they have. State of any other (policy, limit) lives in the run's table.
/// </summary>
internal struct ReplayClient
{
    public ReplayCounts Counts;

    /// <summary>The end of the client's ban, in microseconds since the Unix epoch; 0 when never banned.</summary>
    public long BannedUntil;

    /// <summary>The policy whose state <see cref="State"/> and <see cref="SecondState"/> hold; null until the client's first request is decided.</summary>
    public object? Space;

    /// <summary>The limit whose state <see cref="State"/> holds.</summary>
    public RateLimit? Limit;

    public AlgorithmState State;

    /// <summary>Another limit of <see cref="Space"/>, whose state <see cref="SecondState"/> holds; null until one is met.</summary>
    public RateLimit? SecondLimit;

    public AlgorithmState SecondState;
}
