using Floodgate.Algorithms;
using static Floodgate.Tests.Micros;

namespace Floodgate.Tests.Algorithms;

public sealed class GcraTests
{
    private static readonly RateLimit TenPerSecond = RateLimit.Parse("10/second Gcra");

    private static int AdmitAtOnce(ref AlgorithmState state, RateLimit limit, long now)
    {
        var admitted = 0;
        while (Gcra.Decide(ref state, limit, now, 1, consume: true, out _).IsAllowed)
        {
            admitted++;
        }

        return admitted;
    }

    [Fact]
    public void Gcra_AfterTheBurst_AdmitsOnePerEmissionInterval()
    {
        var state = default(AlgorithmState);
        Assert.Equal(10, AdmitAtOnce(ref state, TenPerSecond, Start));
        var denied = Gcra.Decide(ref state, TenPerSecond, Start, 1, consume: true, out _);

        var admittedPerInterval = new List<int>();
        for (var k = 1; k <= 20; k++)
        {
            var now = Start + (k * 100 * Millisecond);
            Assert.False(Gcra.Decide(ref state, TenPerSecond, now - 1, 1, consume: true, out _).IsAllowed);
            admittedPerInterval.Add(AdmitAtOnce(ref state, TenPerSecond, now));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), denied.RetryAfter); // integer arithmetic: exact, no extra microsecond
        Assert.All(admittedPerInterval, n => Assert.Equal(1, n));
    }

    [Fact]
    public void Gcra_BurstTolerance_AdmitsTheBurstAtOnce_ThenPaces()
    {
        var limit = RateLimit.Parse("1/second Gcra burst 5");
        var state = default(AlgorithmState);

        var atOnce = AdmitAtOnce(ref state, limit, Start);
        var halfSecondLater = AdmitAtOnce(ref state, limit, Start + (500 * Millisecond));
        var oneSecondLater = AdmitAtOnce(ref state, limit, Start + Second);
        var afterLongIdle = AdmitAtOnce(ref state, limit, Start + Hour);

        Assert.Equal(5, atOnce);
        Assert.Equal(0, halfSecondLater);
        Assert.Equal(1, oneSecondLater);
        Assert.Equal(5, afterLongIdle); // the tolerance caps the burst however long the idle time
    }

    [Fact]
    public void Gcra_EmissionInterval_IsRoundedUpToWholeMicroseconds()
    {
        // A second / 3 = 333,333.3 µs, rounded up to 333,334 µs so the integer arithmetic never exceeds 3 per second.
        var limit = RateLimit.Parse("3/second Gcra");
        var state = default(AlgorithmState);
        Assert.Equal(3, AdmitAtOnce(ref state, limit, Start));

        var early = Gcra.Decide(ref state, limit, Start + 333_333, 1, consume: true, out _);
        var onTime = Gcra.Decide(ref state, limit, Start + 333_334, 1, consume: true, out _);

        Assert.Equal(333_334, limit.GcraInterval);
        Assert.False(early.IsAllowed);
        Assert.Equal(TimeSpan.FromTicks(10), early.RetryAfter);
        Assert.True(onTime.IsAllowed);
    }

    [Fact]
    public void Gcra_CostMovesTheArrivalTimeByCostIntervals()
    {
        var state = default(AlgorithmState);

        var seven = Gcra.Decide(ref state, TenPerSecond, Start, 7, consume: true, out var expiresAt);
        var four = Gcra.Decide(ref state, TenPerSecond, Start, 4, consume: true, out _);
        var fourLater = Gcra.Decide(ref state, TenPerSecond, Start + From(four.RetryAfter), 4, consume: true, out _);

        Assert.Equal(3, seven.Remaining);
        Assert.Equal(TimeSpan.FromMilliseconds(700), seven.ResetAfter);
        Assert.Equal(Start + (700 * Millisecond), expiresAt);
        Assert.Equal(Start + (700 * Millisecond), state.Stamp - (400 * Millisecond)); // the TAT moved on by 4 × 100 ms
        Assert.False(four.IsAllowed);
        Assert.Equal(3, four.Remaining);
        Assert.Equal(TimeSpan.FromMilliseconds(100), four.RetryAfter);
        Assert.True(fourLater.IsAllowed);
    }

    [Fact]
    public void Gcra_Remaining_CountsWholeIntervalsLeftInTheTolerance()
    {
        var state = default(AlgorithmState);
        Assert.Equal(10, AdmitAtOnce(ref state, TenPerSecond, Start));

        var standing = RateLimitAlgorithms.Peek(ref state, TenPerSecond, Start + (250 * Millisecond), out _);

        Assert.True(standing.IsAllowed);
        Assert.Equal(2, standing.Remaining); // 250 ms of a 100 ms interval: two whole units
        Assert.Equal(TimeSpan.FromMilliseconds(750), standing.ResetAfter);
    }

    [Fact]
    public void Gcra_OverALongRun_NeverAdmitsMoreThanTheBurstPlusOnePerInterval()
    {
        var limit = RateLimit.Parse("7/second Gcra burst 3");
        var state = default(AlgorithmState);
        var admitted = 0L;
        var now = Start;
        for (var i = 0; i < 100_000; i++)
        {
            now += (i * 7919) % 50_000; // deterministic, uneven gaps
            if (Gcra.Decide(ref state, limit, now, 1 + (i % 3), consume: true, out _).IsAllowed)
            {
                admitted += 1 + (i % 3);
            }
        }

        Assert.InRange(admitted, 1, limit.Capacity + ((now - Start) / limit.GcraInterval));
    }

    [Fact]
    public void Gcra_PeekOnAFreshKey_ReportsNothingToReset()
    {
        var state = default(AlgorithmState);

        var standing = RateLimitAlgorithms.Peek(ref state, TenPerSecond, Start, out _);

        Assert.Equal(10, standing.Remaining);
        Assert.Equal(TimeSpan.Zero, standing.ResetAfter);
        Assert.Equal(default, state);
    }
}
