using System.Diagnostics;

namespace Floodgate.RedisBench;

/// <summary>
/// A log-linear histogram of latencies in <see cref="Stopwatch"/> ticks, HDR style: exact below 256 ticks, then 128
/// sub-buckets per power of two (a recorded value is off by less than 0.8 %). Recording is one array increment with
/// no allocation; each caller owns one and they are merged after the run.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBucketCount = 1 << SubBucketBits;

    private readonly long[] _counts = new long[(64 - SubBucketBits + 1) * SubBucketCount];

    public long Count { get; private set; }

    public void Record(long ticks)
    {
        _counts[Index(Math.Max(ticks, 0))]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The smallest recorded latency (the bucket's upper edge) at or below which <paramref name="percentile"/> % of the values lie.</summary>
    public TimeSpan Percentile(double percentile)
    {
        if (Count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Stopwatch.GetElapsedTime(0, UpperEdge(i));
            }
        }

        return Stopwatch.GetElapsedTime(0, UpperEdge(_counts.Length - 1));
    }

    internal static int Index(long value)
    {
        var shift = Math.Max(0, 63 - long.LeadingZeroCount(value | 1) - SubBucketBits);
        return (int)((shift * SubBucketCount) + (value >> (int)shift));
    }

    internal static long UpperEdge(int index)
    {
        var shift = Math.Max(0, (index >> SubBucketBits) - 1);
        var mantissa = index - (shift * SubBucketCount);
        return ((mantissa + 1L) << shift) - 1;
    }
}
