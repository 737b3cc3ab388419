using CsCheck;

namespace Floodgate.Tests;

public sealed class RateLimitNotationTests
{
    [Theory]
    [InlineData("100/minute", 100, 60_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("100/min", 100, 60_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("5/10s", 5, 10_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("1000/hour", 1000, 3_600_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("10/second", 10, 1_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("50000/day", 50_000, 86_400_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("100 per minute", 100, 60_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("10/second TokenBucket burst 20", 10, 1_000, RateLimitAlgorithm.TokenBucket, 20)]
    [InlineData("3/minute SlidingWindowLog", 3, 60_000, RateLimitAlgorithm.SlidingWindowLog, 0)]
    [InlineData("7/1500ms", 7, 1_500, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("2/h Gcra burst=4", 2, 3_600_000, RateLimitAlgorithm.Gcra, 4)]
    [InlineData("1/d FixedWindow", 1, 86_400_000, RateLimitAlgorithm.FixedWindow, 0)]
    [InlineData("4/2min gcra", 4, 120_000, RateLimitAlgorithm.Gcra, 0)]
    [InlineData("1/366d", 1, 31_622_400_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("1000000000/ms", 1_000_000_000, 1, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    // whitespace and case
    [InlineData("  100 / MINUTE  ", 100, 60_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("\t3/minute\tslidingwindowlog\n", 3, 60_000, RateLimitAlgorithm.SlidingWindowLog, 0)]
    [InlineData("10/Second tokenbucket BURST 20", 10, 1_000, RateLimitAlgorithm.TokenBucket, 20)]
    [InlineData("5 PER 10 S", 5, 10_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("100/Minutes", 100, 60_000, RateLimitAlgorithm.SlidingWindowCounter, 0)]
    [InlineData("5/10 seconds FIXEDWINDOW", 5, 10_000, RateLimitAlgorithm.FixedWindow, 0)]
    public void Parse_AcceptedNotation_ReadsCountWindowAlgorithmAndBurst(string text, long count, long windowMilliseconds, RateLimitAlgorithm algorithm, long burst)
    {
        var limit = RateLimit.Parse(text);

        Assert.Equal(count, limit.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(windowMilliseconds), limit.Window);
        Assert.Equal(algorithm, limit.Algorithm);
        Assert.Equal(burst == 0 ? null : burst, limit.Burst);
        Assert.Equal(burst == 0 ? count : burst, limit.Capacity);
        Assert.True(RateLimit.TryParse(text, out var tried));
        Assert.Equal(limit, tried);
    }

    [Theory]
    [InlineData("100/minute", "100/minute")]
    [InlineData("100/min", "100/minute")]
    [InlineData("100 per minute", "100/minute")]
    [InlineData("5/10s", "5/10s")]
    [InlineData("5/60s", "5/minute")]
    [InlineData("5/120s", "5/2min")]
    [InlineData("5/90min", "5/90min")]
    [InlineData("1000/hour", "1000/hour")]
    [InlineData("5/24h", "5/day")]
    [InlineData("50000/day", "50000/day")]
    [InlineData("5/7d", "5/7d")]
    [InlineData("10/second", "10/second")]
    [InlineData("1/1000ms", "1/second")]
    [InlineData("7/1500ms", "7/1500ms")]
    [InlineData("1/ms", "1/millisecond")]
    [InlineData("10/second TokenBucket burst 20", "10/second TokenBucket burst 20")]
    [InlineData("10/second tokenbucket", "10/second TokenBucket")]
    [InlineData("4/minute gcra BURST=8", "4/minute Gcra burst 8")]
    [InlineData("3/minute SlidingWindowLog", "3/minute SlidingWindowLog")]
    [InlineData("3/minute FixedWindow", "3/minute FixedWindow")]
    [InlineData("3/minute SlidingWindowCounter", "3/minute")]
    public void ToString_WritesTheCanonicalForm_ThatParsesBackToTheSameLimit(string text, string canonical)
    {
        var limit = RateLimit.Parse(text);

        var written = limit.ToString();

        Assert.Equal(canonical, written);
        Assert.Equal(limit, RateLimit.Parse(written));
        Assert.Equal(written, RateLimit.Parse(written).ToString());
    }

    [Fact]
    public void ToString_ParsesBackToAnEqualLimit_ForEveryGeneratedLimit()
    {
        var units = new[] { 1L, 1_000, 60_000, 3_600_000, 86_400_000 };
        var maxWindowMilliseconds = (long)RateLimit.MaxWindow.TotalMilliseconds;
        var windows = Gen.OneOf(
            Gen.Long[1, maxWindowMilliseconds],
            from unit in Gen.Int[0, units.Length - 1]
            from multiplier in Gen.Long[1, maxWindowMilliseconds / units[unit]]
            select units[unit] * multiplier);
        var counts = Gen.OneOf(Gen.Long[1, 1_000], Gen.Long[1, RateLimit.MaxCount]);
        var bursts = Gen.OneOf(Gen.Const(0L), Gen.Long[1, 1_000], Gen.Long[1, RateLimit.MaxCount]);
        var limits =
            from count in counts
            from windowMilliseconds in windows
            from algorithm in Gen.Enum<RateLimitAlgorithm>()
            from burst in bursts
            let withBurst = burst > 0 && algorithm is RateLimitAlgorithm.TokenBucket or RateLimitAlgorithm.Gcra
            where !withBurst || RefillFits(count, windowMilliseconds, burst)
            select new RateLimit(count, TimeSpan.FromMilliseconds(windowMilliseconds), algorithm, withBurst ? burst : null);

        limits.Sample(limit =>
        {
            var text = limit.ToString();
            var parsed = RateLimit.Parse(text);

            Assert.Equal(limit, parsed);
            Assert.Equal(limit.GetHashCode(), parsed.GetHashCode());
            Assert.Equal(text, parsed.ToString());
        }, iter: 5_000);

        // A burst must refill within RateLimit.MaxRefill; the generator only produces limits the constructor accepts.
        static bool RefillFits(long count, long windowMilliseconds, long burst) =>
            (Int128)burst * windowMilliseconds * TimeSpan.TicksPerMillisecond <= (Int128)RateLimit.MaxRefill.Ticks * count;
    }

    [Theory]
    [InlineData("0/minute")]
    [InlineData("-1/s")]
    [InlineData("+5/minute")]
    [InlineData("ten/minute")]
    [InlineData("5/0s")]
    [InlineData("5/-1s")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("5/")]
    [InlineData("5")]
    [InlineData("/minute")]
    [InlineData("5 minute")]
    [InlineData("5/fortnight")]
    [InlineData("5/1.5s")]
    [InlineData("5/minute Bogus")]
    [InlineData("5/minute 3")]
    [InlineData("5/minute,")]
    [InlineData("5/minute burst 3")]
    [InlineData("5/minute SlidingWindowLog burst 3")]
    [InlineData("5/minute FixedWindow burst 3")]
    [InlineData("5/minute TokenBucket burst")]
    [InlineData("5/minute TokenBucket burst 0")]
    [InlineData("5/minute TokenBucket burst -2")]
    [InlineData("99999999999999999999/minute")]
    [InlineData("1000000001/minute")]
    [InlineData("5/99999999999999999999s")]
    [InlineData("5/9223372036854775807ms")]
    [InlineData("5/367d")]
    [InlineData("10/second TokenBucket burst 99999999999999999999")]
    [InlineData("10/second Gcra burst 1000000001")]
    [InlineData("1/366d TokenBucket burst 1000000000")]
    [InlineData("1/day Gcra burst 1000000")]
    public void Parse_InvalidNotation_ThrowsFormatExceptionShowingTheAcceptedForms(string text)
    {
        var error = Assert.Throws<FormatException>(() => RateLimit.Parse(text));

        Assert.Contains("100/minute", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.False(RateLimit.TryParse(text, out var result));
        Assert.Null(result);
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNull_AndTryParseReturnsFalse()
    {
        Assert.Throws<ArgumentNullException>(() => RateLimit.Parse(null!));
        Assert.False(RateLimit.TryParse(null, out var result));
        Assert.Null(result);
    }

    [Fact]
    public void Parse_InvalidNotation_NamesWhatIsWrong()
    {
        var error = Assert.Throws<FormatException>(() => RateLimit.Parse("5/fortnight"));

        Assert.Contains("'fortnight' is not a unit of time", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<long, TimeSpan> OutOfRangeRates => new()
    {
        { 0, TimeSpan.FromMinutes(1) },
        { -1, TimeSpan.FromMinutes(1) },
        { RateLimit.MaxCount + 1, TimeSpan.FromMinutes(1) },
        { 10, TimeSpan.Zero },
        { 10, TimeSpan.FromSeconds(-1) },
        { 10, TimeSpan.FromTicks(5_000) }, // half a millisecond
        { 10, TimeSpan.FromTicks(15_000) }, // 1.5 ms: not a whole number of milliseconds
        { 10, RateLimit.MaxWindow + TimeSpan.FromMilliseconds(1) },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeRates))]
    public void Constructor_CountOrWindowOutOfRange_ThrowsArgumentOutOfRange(long count, TimeSpan window)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimit(count, window));
    }

    [Theory]
    [InlineData(RateLimitAlgorithm.FixedWindow)]
    [InlineData(RateLimitAlgorithm.SlidingWindowCounter)]
    [InlineData(RateLimitAlgorithm.SlidingWindowLog)]
    public void Constructor_BurstForAnAlgorithmWithoutOne_ThrowsArgumentException(RateLimitAlgorithm algorithm)
    {
        var error = Assert.Throws<ArgumentException>(() => new RateLimit(10, TimeSpan.FromMinutes(1), algorithm, burst: 20));

        Assert.Equal("burst", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(RateLimit.MaxCount + 1)]
    public void Constructor_BurstOutOfRange_ThrowsArgumentOutOfRange(long burst)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimit(10, TimeSpan.FromMinutes(1), RateLimitAlgorithm.TokenBucket, burst));
    }

    [Fact]
    public void Constructor_BurstThatWouldTakeLongerThanMaxRefillToRefill_ThrowsArgumentOutOfRange()
    {
        // One token a day and a bucket of a million: the bucket takes 2,700 years to refill.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimit(1, TimeSpan.FromDays(1), RateLimitAlgorithm.Gcra, 1_000_000));

        Assert.Equal("burst", error.ParamName);
        _ = new RateLimit(1, TimeSpan.FromDays(1), RateLimitAlgorithm.Gcra, 36_600); // exactly MaxRefill is fine
    }

    [Fact]
    public void Constructor_UnknownAlgorithm_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimit(10, TimeSpan.FromMinutes(1), (RateLimitAlgorithm)99));
    }

    [Fact]
    public void Limits_CompareByValue()
    {
        Assert.Equal(RateLimit.Parse("100/minute"), RateLimit.Parse("100 per 60s"));
        Assert.True(RateLimit.Parse("100/minute") == new RateLimit(100, TimeSpan.FromMinutes(1)));
        Assert.NotEqual(RateLimit.Parse("100/minute"), RateLimit.Parse("100/minute FixedWindow"));
        Assert.NotEqual(RateLimit.Parse("100/minute TokenBucket"), RateLimit.Parse("100/minute TokenBucket burst 100"));
        Assert.True(RateLimit.Parse("100/minute") != RateLimit.Parse("101/minute"));
    }

    [Fact]
    public void WithAlgorithm_DropsTheBurstWhereTheAlgorithmHasNone()
    {
        var bucket = RateLimit.Parse("10/second TokenBucket burst 20");

        Assert.Equal(RateLimit.Parse("10/second Gcra burst 20"), bucket.WithAlgorithm(RateLimitAlgorithm.Gcra));
        Assert.Equal(RateLimit.Parse("10/second FixedWindow"), bucket.WithAlgorithm(RateLimitAlgorithm.FixedWindow));
        Assert.Equal(RateLimit.Parse("10/second TokenBucket"), bucket.WithBurst(null));
    }
}
