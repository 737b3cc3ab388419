namespace Floodgate.Load.Engine;

/// <summary>
/// A log-linear histogram of microseconds in the manner of HdrHistogram: values below 256 are counted exactly, and each
/// power of two above is split into 128 equal sub-buckets, so every value is kept within 1/128 (0.8 %) of itself.
/// It covers 1 µs to 2^32 µs (71 minutes) in 3,328 counters; larger values count in the last bucket, and the exact
/// maximum is kept aside. Recording is thread-safe and lock-free.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketHalfCount = 128;
    private const int SubBucketHalfCountBits = 7;
    private const int HighestBit = 31;

    /// <summary>Buckets: shifts 0 to 24 (<see cref="HighestBit"/> − 7), each 128 counters, plus the first 128.</summary>
    internal const int BucketCount = ((HighestBit - SubBucketHalfCountBits) + 2) * SubBucketHalfCount;

    private const long MaxTrackable = (1L << (HighestBit + 1)) - 1;

    private readonly long[] _counts = new long[BucketCount];
    private long _total;
    private long _sum;
    private long _max;

    public long TotalCount => Volatile.Read(ref _total);

    public long Max => Volatile.Read(ref _max);

    public double Mean
    {
        get
        {
            var total = TotalCount;
            return total == 0 ? 0 : (double)Volatile.Read(ref _sum) / total;
        }
    }

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }

        Interlocked.Increment(ref _counts[IndexOf(Math.Min(micros, MaxTrackable))]);
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _sum, micros);

        var max = Volatile.Read(ref _max);
        while (micros > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, micros, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>
    /// The smallest recorded value such that <paramref name="percentile"/> % of all values are at most it, reported as
    /// the highest value its bucket holds (never above the exact maximum); 0 when nothing was recorded.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        var total = TotalCount;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100 * total);
        rank = Math.Clamp(rank, 1, total);
        long seen = 0;
        for (var index = 0; index < _counts.Length; index++)
        {
            seen += Volatile.Read(ref _counts[index]);
            if (seen >= rank)
            {
                return Math.Min(HighestEquivalentValue(index), Max);
            }
        }

        return Max;
    }

    /// <summary>The non-empty buckets in order, each as the highest value it holds and its count.</summary>
    public IReadOnlyList<HistogramBucket> Buckets()
    {
        var buckets = new List<HistogramBucket>();
        for (var index = 0; index < _counts.Length; index++)
        {
            var count = Volatile.Read(ref _counts[index]);
            if (count > 0)
            {
                buckets.Add(new HistogramBucket(HighestEquivalentValue(index), count));
            }
        }

        return buckets;
    }

    internal static int IndexOf(long value)
    {
        var highestBit = 63 - (int)long.LeadingZeroCount(value | 1);
        var shift = Math.Max(0, highestBit - SubBucketHalfCountBits);
        return (shift * SubBucketHalfCount) + (int)(value >> shift);
    }

    internal static long LowestEquivalentValue(int index)
    {
        var shift = Math.Max(0, (index >> SubBucketHalfCountBits) - 1);
        return (long)(index - (shift * SubBucketHalfCount)) << shift;
    }

    internal static long HighestEquivalentValue(int index)
    {
        var shift = Math.Max(0, (index >> SubBucketHalfCountBits) - 1);
        return ((long)(index - (shift * SubBucketHalfCount) + 1) << shift) - 1;
    }
}
