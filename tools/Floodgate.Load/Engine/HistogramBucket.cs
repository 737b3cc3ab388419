namespace Floodgate.Load.Engine;

/// <summary>One bucket of a <see cref="LatencyHistogram"/>: <see cref="Count"/> values of at most <see cref="Micros"/> microseconds (and above the bucket before).</summary>
internal sealed record HistogramBucket(long Micros, long Count);
