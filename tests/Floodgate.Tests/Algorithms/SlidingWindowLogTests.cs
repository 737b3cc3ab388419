using Floodgate.Algorithms;
using static Floodgate.Tests.Micros;

namespace Floodgate.Tests.Algorithms;

public sealed class SlidingWindowLogTests
{
    private static readonly RateLimit ThreePerMinute = RateLimit.Parse("3/minute SlidingWindowLog");

    [Fact]
    public void SlidingWindowLog_EachEntry_LeavesExactlyOneWindowAfterItWasAdmitted()
    {
        var state = default(AlgorithmState);
        var t0 = Start + (7 * Second);
        foreach (var at in new[] { t0, t0 + (10 * Second), t0 + (20 * Second) })
        {
            Assert.True(SlidingWindowLog.Decide(ref state, ThreePerMinute, at, 1, consume: true, out _).IsAllowed);
        }

        var full = SlidingWindowLog.Decide(ref state, ThreePerMinute, t0 + Minute - 1, 1, consume: true, out _);
        var firstLeft = SlidingWindowLog.Decide(ref state, ThreePerMinute, t0 + Minute, 1, consume: true, out _);
        var fullAgain = SlidingWindowLog.Decide(ref state, ThreePerMinute, t0 + Minute + (10 * Second) - 1, 1, consume: true, out _);
        var secondLeft = SlidingWindowLog.Decide(ref state, ThreePerMinute, t0 + Minute + (10 * Second), 1, consume: true, out _);

        Assert.False(full.IsAllowed);
        Assert.Equal(TimeSpan.FromTicks(10), full.RetryAfter); // exact: the oldest entry leaves 1 µs later
        Assert.True(firstLeft.IsAllowed);
        Assert.False(fullAgain.IsAllowed);
        Assert.True(secondLeft.IsAllowed);
    }

    [Fact]
    public void SlidingWindowLog_Denied_RetryAfterPointsAtTheEntryThatMustLeave()
    {
        var state = default(AlgorithmState);
        SlidingWindowLog.Decide(ref state, ThreePerMinute, Start, 1, consume: true, out _);
        SlidingWindowLog.Decide(ref state, ThreePerMinute, Start + (5 * Second), 1, consume: true, out _);
        SlidingWindowLog.Decide(ref state, ThreePerMinute, Start + (9 * Second), 1, consume: true, out _);
        var now = Start + (30 * Second);

        var one = SlidingWindowLog.Decide(ref state, ThreePerMinute, now, 1, consume: true, out _);
        var two = SlidingWindowLog.Decide(ref state, ThreePerMinute, now, 2, consume: true, out _);
        var three = SlidingWindowLog.Decide(ref state, ThreePerMinute, now, 3, consume: true, out _);

        Assert.Equal(TimeSpan.FromSeconds(30), one.RetryAfter); // the entry of 0 s leaves at 60 s
        Assert.Equal(TimeSpan.FromSeconds(35), two.RetryAfter); // and the one of 5 s at 65 s
        Assert.Equal(TimeSpan.FromSeconds(39), three.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(39), three.ResetAfter);
        Assert.Equal(0, three.Remaining);
    }

    [Fact]
    public void SlidingWindowLog_CostWritesOneEntryPerUnit_ThatLeaveTogether()
    {
        var limit = RateLimit.Parse("5/minute SlidingWindowLog");
        var state = default(AlgorithmState);
        SlidingWindowLog.Decide(ref state, limit, Start, 3, consume: true, out _);
        SlidingWindowLog.Decide(ref state, limit, Start + Second, 2, consume: true, out _);

        var before = SlidingWindowLog.Decide(ref state, limit, Start + Minute - 1, 0, consume: true, out _);
        var after = SlidingWindowLog.Decide(ref state, limit, Start + Minute, 0, consume: true, out var expiresAt);

        Assert.Equal(0, before.Remaining);
        Assert.Equal(3, after.Remaining);
        Assert.Equal(2, state.LogCount);
        Assert.Equal(Start + Minute + Second, expiresAt);
    }

    [Fact]
    public void SlidingWindowLog_RingBuffer_GrowsByDoublingUpToTheLimit()
    {
        var limit = RateLimit.Parse("100/hour SlidingWindowLog");
        var state = default(AlgorithmState);
        var lengths = new List<int>();

        for (var i = 0; i < 100; i++)
        {
            Assert.True(SlidingWindowLog.Decide(ref state, limit, Start + (i * Second), 1, consume: true, out _).IsAllowed);
            if (lengths.Count == 0 || lengths[^1] != state.Log!.Length)
            {
                lengths.Add(state.Log!.Length);
            }
        }

        Assert.Equal([8, 16, 32, 64, 100], lengths);
        Assert.False(SlidingWindowLog.Decide(ref state, limit, Start + (100 * Second), 1, consume: true, out _).IsAllowed);
    }

    [Fact]
    public void SlidingWindowLog_RingBuffer_SmallLimit_NeverAllocatesMoreThanTheLimit()
    {
        var limit = RateLimit.Parse("3/second SlidingWindowLog");
        var state = default(AlgorithmState);

        SlidingWindowLog.Decide(ref state, limit, Start, 3, consume: true, out _);

        Assert.Equal(3, state.Log!.Length);
    }

    [Fact]
    public void SlidingWindowLog_RingBuffer_GrowingWhileWrapped_KeepsTheOldestFirst()
    {
        var limit = RateLimit.Parse("20/minute SlidingWindowLog");
        var state = default(AlgorithmState);
        // Eight entries fill the first buffer; five of them leave, five more wrap around to the front.
        for (var i = 0; i < 8; i++)
        {
            SlidingWindowLog.Decide(ref state, limit, Start + (i * Second), 1, consume: true, out _);
        }

        var wrapped = Start + Minute + (4 * Second) + 1; // entries of 0 s … 4 s have left
        SlidingWindowLog.Decide(ref state, limit, wrapped, 5, consume: true, out _);
        Assert.Equal(8, state.Log!.Length);
        Assert.Equal(5, state.LogHead);

        // Growing to 16 must unroll the ring: oldest (5 s) first, then 6 s, 7 s, then the five of `wrapped`.
        var grown = SlidingWindowLog.Decide(ref state, limit, wrapped, 6, consume: true, out _);
        Assert.True(grown.IsAllowed);
        Assert.Equal(16, state.Log!.Length);
        Assert.Equal(0, state.LogHead);
        Assert.Equal(14, state.LogCount);

        var denied = SlidingWindowLog.Decide(ref state, limit, wrapped, 8, consume: true, out _);

        // 14 + 8 − 20 = 2 must leave: the entries of 5 s and 6 s; the second of them leaves at 66 s.
        Assert.Equal(Start + Minute + (6 * Second) - wrapped, From(denied.RetryAfter));
    }

    [Fact]
    public void SlidingWindowLog_OverManyWindows_WrapsAroundAndStaysExact()
    {
        var limit = RateLimit.Parse("10/second SlidingWindowLog");
        var state = default(AlgorithmState);
        var admittedAt = new List<long>();
        var now = Start;

        for (var i = 0; i < 20_000; i++)
        {
            now += 37 * Millisecond;
            var cost = 1 + (i % 3);
            var decision = SlidingWindowLog.Decide(ref state, limit, now, cost, consume: true, out _);
            var inWindow = admittedAt.Count(t => t > now - Second);

            Assert.Equal(inWindow + cost <= 10, decision.IsAllowed);
            if (decision.IsAllowed)
            {
                admittedAt.AddRange(Enumerable.Repeat(now, cost));
            }

            admittedAt.RemoveAll(t => t <= now - Second);
        }

        Assert.Equal(10, state.Log!.Length);
        Assert.True(admittedAt.Count > 0);
    }

    [Fact]
    public void SlidingWindowLog_RequestStampedBeforeTheNewestEntry_KeepsTheLogInOrder()
    {
        var state = default(AlgorithmState);
        SlidingWindowLog.Decide(ref state, ThreePerMinute, Start + Second, 1, consume: true, out _);
        SlidingWindowLog.Decide(ref state, ThreePerMinute, Start, 1, consume: true, out _); // read its clock earlier, decided later

        var newest = state.Log![(state.LogHead + state.LogCount - 1) % state.Log.Length];
        var oldest = state.Log[state.LogHead];

        Assert.True(oldest <= newest);
    }
}
