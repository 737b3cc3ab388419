namespace Floodgate.Server.Stats;

/// <summary>One row of traffic: an endpoint or a client, with its allowed and denied counts.</summary>
public sealed record TrafficRow(string Name, long Allowed, long Denied);
