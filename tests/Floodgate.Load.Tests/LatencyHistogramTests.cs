using Floodgate.Load.Engine;

namespace Floodgate.Load.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Buckets_BelowTwoHundredFiftySix_AreExact()
    {
        for (long value = 0; value < 256; value++)
        {
            var index = LatencyHistogram.IndexOf(value);
            Assert.Equal(value, LatencyHistogram.LowestEquivalentValue(index));
            Assert.Equal(value, LatencyHistogram.HighestEquivalentValue(index));
        }
    }

    [Fact]
    public void Buckets_AcrossTheRange_HoldTheirValueWithinOneIn128()
    {
        var previous = -1;
        for (long value = 1; value < 1L << 32; value = (value * 17 / 16) + 1)
        {
            var index = LatencyHistogram.IndexOf(value);
            Assert.InRange(index, previous, LatencyHistogram.BucketCount - 1);
            var low = LatencyHistogram.LowestEquivalentValue(index);
            var high = LatencyHistogram.HighestEquivalentValue(index);
            Assert.InRange(value, low, high);
            Assert.True(high - low <= value / 128.0, $"bucket {index} [{low}, {high}] is too wide for {value}");
            previous = index;
        }
    }

    [Fact]
    public void Percentiles_OfOneToTenThousand_AreWithinOnePercentAndOrdered()
    {
        var histogram = new LatencyHistogram();
        for (var value = 1; value <= 10_000; value++)
        {
            histogram.Record(value);
        }

        Assert.Equal(10_000, histogram.TotalCount);
        Assert.Equal(10_000, histogram.Max);
        Assert.InRange(histogram.ValueAtPercentile(50), 5_000, 5_000 * 1.01);
        Assert.InRange(histogram.ValueAtPercentile(99), 9_900, 9_900 * 1.01);
        Assert.Equal(10_000, histogram.ValueAtPercentile(100));
        Assert.Equal(5_000.5, histogram.Mean, 3);
    }

    [Fact]
    public void Percentiles_WhenEmpty_AreZero()
    {
        Assert.Equal(0, new LatencyHistogram().ValueAtPercentile(99));
    }

    [Fact]
    public void Record_FromManyThreads_CountsEveryValue()
    {
        var histogram = new LatencyHistogram();
        Parallel.For(0, 100_000, i => histogram.Record(i % 5_000));
        Assert.Equal(100_000, histogram.TotalCount);
        Assert.Equal(4_999, histogram.Max);
    }
}
