namespace Floodgate.Load.Engine;

/// <summary>Responses that completed in one second of the run, and their latency in milliseconds.</summary>
internal sealed record SecondSample(int Second, long Allowed, long Throttled, long Errors, double P50, double P90, double P99);
