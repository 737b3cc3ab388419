using Floodgate.Algorithms;
using static Floodgate.Tests.Micros;

namespace Floodgate.Tests.Algorithms;

public sealed class SlidingWindowCounterTests
{
    private static readonly RateLimit TenPerMinute = RateLimit.Parse("10/minute");

    /// <summary>A state with <paramref name="previous"/> units counted in the minute before <see cref="Micros.Start"/>.</summary>
    private static AlgorithmState WithPreviousWindow(long previous)
    {
        var state = default(AlgorithmState);
        Assert.True(SlidingWindowCounter.Decide(ref state, TenPerMinute, Start - (30 * Second), previous, consume: true, out _).IsAllowed);
        return state;
    }

    [Fact]
    public void SlidingWindowCounter_QuarterIntoTheWindow_CountsThreeQuartersOfThePreviousWindow()
    {
        var state = WithPreviousWindow(10);
        var quarter = Start + (15 * Second);

        // 10 × (60 s − 15 s) / 60 s = 7.5 counted: 2.5 left, so 2 whole units fit and 3 do not.
        var standing = RateLimitAlgorithms.Peek(ref state, TenPerMinute, quarter, out _);
        var three = SlidingWindowCounter.Decide(ref state, TenPerMinute, quarter, 3, consume: true, out _);
        var two = SlidingWindowCounter.Decide(ref state, TenPerMinute, quarter, 2, consume: true, out _);
        var one = SlidingWindowCounter.Decide(ref state, TenPerMinute, quarter, 1, consume: true, out _);

        Assert.Equal(2, standing.Remaining);
        Assert.False(three.IsAllowed);
        Assert.Equal(2, three.Remaining);
        Assert.True(two.IsAllowed);
        Assert.Equal(0, two.Remaining); // 10 − 9.5 = 0.5, rounded down
        Assert.False(one.IsAllowed);
    }

    [Fact]
    public void SlidingWindowCounter_AtTheWindowStart_CountsThePreviousWindowWhole()
    {
        var state = WithPreviousWindow(10);

        var atBoundary = SlidingWindowCounter.Decide(ref state, TenPerMinute, Start, 1, consume: true, out _);
        var oneMicrosecondLater = SlidingWindowCounter.Decide(ref state, TenPerMinute, Start + 1, 1, consume: true, out _);

        Assert.False(atBoundary.IsAllowed);
        Assert.False(oneMicrosecondLater.IsAllowed);
        Assert.Equal(TimeSpan.FromSeconds(6) + TimeSpan.FromTicks(10), atBoundary.RetryAfter); // 10 × 54/60 = 9: one fits at 6 s, advertised 1 µs later
    }

    [Fact]
    public void SlidingWindowCounter_DeniedByTheWeightedPreviousWindow_RetryAfterIsWhenTheWeightHasFallenEnough()
    {
        var state = WithPreviousWindow(10);
        var quarter = Start + (15 * Second);
        Assert.True(SlidingWindowCounter.Decide(ref state, TenPerMinute, quarter, 2, consume: true, out _).IsAllowed);

        var denied = SlidingWindowCounter.Decide(ref state, TenPerMinute, quarter, 1, consume: true, out _);
        var retryAt = quarter + From(denied.RetryAfter);
        var exactPoint = SlidingWindowCounter.Decide(ref state, TenPerMinute, retryAt - 1, 1, consume: false, out _);
        var justBefore = SlidingWindowCounter.Decide(ref state, TenPerMinute, retryAt - 2, 1, consume: false, out _);
        var retried = SlidingWindowCounter.Decide(ref state, TenPerMinute, retryAt, 1, consume: true, out _);

        // 10 × (60 s − e) / 60 s + 2 + 1 ≤ 10 from e = 18 s: 3 s after the denial, advertised with 1 µs to spare.
        Assert.Equal(TimeSpan.FromSeconds(3) + TimeSpan.FromTicks(10), denied.RetryAfter);
        Assert.True(exactPoint.IsAllowed);
        Assert.False(justBefore.IsAllowed);
        Assert.True(retried.IsAllowed);
    }

    [Fact]
    public void SlidingWindowCounter_CurrentWindowAloneTooFull_RetryAfterReachesIntoTheNextWindow()
    {
        var state = default(AlgorithmState);
        var half = Start + (30 * Second);
        Assert.True(SlidingWindowCounter.Decide(ref state, TenPerMinute, half, 10, consume: true, out _).IsAllowed);

        var denied = SlidingWindowCounter.Decide(ref state, TenPerMinute, half, 1, consume: true, out _);
        var retried = SlidingWindowCounter.Decide(ref state, TenPerMinute, half + From(denied.RetryAfter), 1, consume: true, out _);

        // Next window: 10 × (60 s − e) / 60 s + 1 ≤ 10 from e = 6 s, that is 36 s after the denial (+1 µs).
        Assert.Equal(TimeSpan.FromSeconds(36) + TimeSpan.FromTicks(10), denied.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(90), denied.ResetAfter);
        Assert.True(retried.IsAllowed);
        Assert.Equal(0, retried.Remaining);
    }

    [Fact]
    public void SlidingWindowCounter_CostOfTheWholeLimit_WaitsUntilBothWindowsAreEmpty()
    {
        var state = default(AlgorithmState);
        var half = Start + (30 * Second);
        Assert.True(SlidingWindowCounter.Decide(ref state, TenPerMinute, half, 1, consume: true, out _).IsAllowed);

        var denied = SlidingWindowCounter.Decide(ref state, TenPerMinute, half, 10, consume: true, out _);

        // The unit counted at 30 s weighs until the end of the next window, 90 s later (+1 µs).
        Assert.Equal(TimeSpan.FromSeconds(90) + TimeSpan.FromTicks(10), denied.RetryAfter);
        Assert.True(SlidingWindowCounter.Decide(ref state, TenPerMinute, Start + (2 * Minute), 10, consume: false, out _).IsAllowed);
    }

    [Fact]
    public void SlidingWindowCounter_TwoWindowsLater_ForgetsEverything()
    {
        var state = WithPreviousWindow(10);

        var later = SlidingWindowCounter.Decide(ref state, TenPerMinute, Start + Minute, 10, consume: true, out _);

        Assert.True(later.IsAllowed);
        Assert.Equal(0, state.Previous);
        Assert.Equal(10, state.Count);
        Assert.Equal(Start + Minute, state.Stamp);
    }

    [Fact]
    public void SlidingWindowCounter_ResetAfterAndExpiry_FollowTheWindowsThatStillCount()
    {
        var state = default(AlgorithmState);

        var admitted = SlidingWindowCounter.Decide(ref state, TenPerMinute, Start + (20 * Second), 1, consume: true, out var expiresAt);
        var nextWindow = SlidingWindowCounter.Decide(ref state, TenPerMinute, Start + (80 * Second), 0, consume: true, out var nextExpiresAt);

        Assert.Equal(TimeSpan.FromSeconds(100), admitted.ResetAfter); // counted until the end of the next window
        Assert.Equal(Start + (2 * Minute), expiresAt);
        Assert.Equal(TimeSpan.FromSeconds(40), nextWindow.ResetAfter); // now only as the previous window
        Assert.Equal(Start + (2 * Minute), nextExpiresAt);
    }

    [Fact]
    public void SlidingWindowCounter_RequestStampedBeforeTheRecordedWindow_DoesNotForgetTheCounts()
    {
        var state = default(AlgorithmState);
        Assert.True(SlidingWindowCounter.Decide(ref state, TenPerMinute, Start + 1, 10, consume: true, out _).IsAllowed);

        var stale = SlidingWindowCounter.Decide(ref state, TenPerMinute, Start - 1, 1, consume: true, out _);

        Assert.False(stale.IsAllowed);
        Assert.Equal(Start, state.Stamp);
        Assert.Equal(10, state.Count);
    }
}
