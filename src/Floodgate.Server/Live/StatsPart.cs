using Floodgate.Server.Stats;

namespace Floodgate.Server.Live;

/// <summary>One instance's count of one second, as published to the others.</summary>
internal sealed record StatsPart
{
    public string? Instance { get; init; }

    public long Second { get; init; }

    public long Allowed { get; init; }

    public long Denied { get; init; }

    public List<TrafficRow>? Endpoints { get; init; }

    public List<TrafficRow>? Clients { get; init; }
}
