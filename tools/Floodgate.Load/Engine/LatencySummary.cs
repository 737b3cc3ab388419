namespace Floodgate.Load.Engine;

/// <summary>Milliseconds.</summary>
internal sealed record LatencySummary(long Count, double Mean, double P50, double P90, double P99, double P999, double Max);
