using Floodgate.Algorithms;
using static Floodgate.Tests.Micros;

namespace Floodgate.Tests.Algorithms;

public sealed class FixedWindowTests
{
    private static readonly RateLimit ThreePerMinute = RateLimit.Parse("3/minute FixedWindow");

    [Fact]
    public void FixedWindow_WindowsAreAlignedToTheEpoch_NotToTheFirstRequest()
    {
        // 2026-01-01T00:00:00Z is 1,767,225,600 s after the epoch: 8 s into an 11-second window.
        var limit = RateLimit.Parse("2/11s FixedWindow");
        var state = default(AlgorithmState);

        var first = FixedWindow.Decide(ref state, limit, Start, 1, consume: true, out var expiresAt);

        Assert.True(first.IsAllowed);
        Assert.Equal(TimeSpan.FromSeconds(3), first.ResetAfter);
        Assert.Equal(Start + (3 * Second), expiresAt);
        Assert.Equal(Start - (8 * Second), state.Stamp);
    }

    [Fact]
    public void FixedWindow_FullWindow_DeniesUntilTheBoundary_ThenAdmitsTheWholeLimit()
    {
        var state = default(AlgorithmState);
        var boundary = Start + Minute;
        var late = boundary - (500 * Millisecond);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(FixedWindow.Decide(ref state, ThreePerMinute, late, 1, consume: true, out _).IsAllowed);
        }

        var denied = FixedWindow.Decide(ref state, ThreePerMinute, late, 1, consume: true, out _);
        var lastInstant = FixedWindow.Decide(ref state, ThreePerMinute, boundary - 1, 1, consume: true, out _);
        var admitted = new List<RateLimitDecision>();
        for (var i = 0; i < 3; i++)
        {
            admitted.Add(FixedWindow.Decide(ref state, ThreePerMinute, boundary, 1, consume: true, out _));
        }

        var fourth = FixedWindow.Decide(ref state, ThreePerMinute, boundary, 1, consume: true, out _);

        Assert.False(denied.IsAllowed);
        Assert.Equal(TimeSpan.FromMilliseconds(500), denied.RetryAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(500), denied.ResetAfter);
        Assert.Equal(0, denied.Remaining);
        Assert.False(lastInstant.IsAllowed);
        Assert.Equal(TimeSpan.FromTicks(10), lastInstant.RetryAfter);
        Assert.All(admitted, d => Assert.True(d.IsAllowed));
        Assert.Equal([2L, 1, 0], admitted.Select(d => d.Remaining));
        Assert.Equal(TimeSpan.FromMinutes(1), admitted[0].ResetAfter);
        Assert.False(fourth.IsAllowed);
        Assert.Equal(TimeSpan.FromMinutes(1), fourth.RetryAfter);
    }

    [Fact]
    public void FixedWindow_CostCountsAsThatManyUnits()
    {
        var limit = RateLimit.Parse("10/minute FixedWindow");
        var state = default(AlgorithmState);

        var seven = FixedWindow.Decide(ref state, limit, Start + Second, 7, consume: true, out _);
        var four = FixedWindow.Decide(ref state, limit, Start + (2 * Second), 4, consume: true, out _);
        var three = FixedWindow.Decide(ref state, limit, Start + (3 * Second), 3, consume: true, out _);

        Assert.Equal(3, seven.Remaining);
        Assert.False(four.IsAllowed);
        Assert.Equal(3, four.Remaining);
        Assert.Equal(TimeSpan.FromSeconds(58), four.RetryAfter);
        Assert.True(three.IsAllowed);
        Assert.Equal(0, three.Remaining);
    }

    [Fact]
    public void FixedWindow_StateFromAnEarlierWindow_CountsForNothing()
    {
        var state = default(AlgorithmState);
        for (var i = 0; i < 3; i++)
        {
            FixedWindow.Decide(ref state, ThreePerMinute, Start + (59 * Second), 1, consume: true, out _);
        }

        var nextWindow = FixedWindow.Decide(ref state, ThreePerMinute, Start + (60 * Second), 0, consume: false, out _);
        var muchLater = FixedWindow.Decide(ref state, ThreePerMinute, Start + (10 * Minute) + 1, 0, consume: false, out var expiresAt);

        Assert.Equal(3, nextWindow.Remaining);
        Assert.Equal(TimeSpan.Zero, nextWindow.ResetAfter);
        Assert.Equal(3, muchLater.Remaining);
        Assert.Equal(Start + (10 * Minute) + 1, expiresAt); // nothing counted: the state is as good as fresh
    }

    [Fact]
    public void FixedWindow_CostAboveTheLimit_IsTooCostlyAndConsumesNothing()
    {
        var state = default(AlgorithmState);

        var decision = FixedWindow.Decide(ref state, ThreePerMinute, Start, 4, consume: true, out _);

        Assert.Equal(RateLimitDenialReason.CostExceedsLimit, decision.Reason);
        Assert.Equal(Timeout.InfiniteTimeSpan, decision.RetryAfter);
        Assert.Equal(3, decision.Remaining);
        Assert.Equal(default, state);
    }

    [Fact]
    public void FixedWindow_RequestStampedBeforeTheRecordedWindow_DoesNotForgetTheWindowsCount()
    {
        // A caller that read the clock just before a boundary may decide after one that read it just after
        // (the in-memory store reads the clock outside the key's lock). The late decision must not reset the new window.
        var state = default(AlgorithmState);
        var boundary = Start + Minute;
        for (var i = 0; i < 3; i++)
        {
            Assert.True(FixedWindow.Decide(ref state, ThreePerMinute, boundary + 1, 1, consume: true, out _).IsAllowed);
        }

        var stale = FixedWindow.Decide(ref state, ThreePerMinute, boundary - 1, 1, consume: true, out _);
        var after = FixedWindow.Decide(ref state, ThreePerMinute, boundary + 2, 1, consume: true, out _);

        Assert.False(stale.IsAllowed);
        Assert.False(after.IsAllowed);
        Assert.Equal(boundary, state.Stamp);
        Assert.Equal(3, state.Count);
    }
}
