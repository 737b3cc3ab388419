using Floodgate.Algorithms;
using static Floodgate.Tests.Micros;

namespace Floodgate.Tests.Algorithms;

public sealed class TokenBucketTests
{
    private static readonly RateLimit TenPerSecond = RateLimit.Parse("10/second TokenBucket");

    private static int AdmitAtOnce(ref AlgorithmState state, RateLimit limit, long now)
    {
        var admitted = 0;
        while (TokenBucket.Decide(ref state, limit, now, 1, consume: true, out _).IsAllowed)
        {
            admitted++;
        }

        return admitted;
    }

    [Fact]
    public void TokenBucket_FreshBucket_IsFull()
    {
        var state = default(AlgorithmState);

        var standing = RateLimitAlgorithms.Peek(ref state, TenPerSecond, Start, out var expiresAt);

        Assert.Equal(10, standing.Remaining);
        Assert.Equal(TimeSpan.Zero, standing.ResetAfter);
        Assert.Equal(Start, expiresAt);
        Assert.Equal(10, AdmitAtOnce(ref state, TenPerSecond, Start));
    }

    [Fact]
    public void TokenBucket_Burst_SetsTheBucketSize()
    {
        var limit = RateLimit.Parse("10/second TokenBucket burst 25");
        var state = default(AlgorithmState);

        var atOnce = AdmitAtOnce(ref state, limit, Start);
        var afterOneSecond = AdmitAtOnce(ref state, limit, Start + Second);
        var afterTenSeconds = AdmitAtOnce(ref state, limit, Start + (11 * Second));

        Assert.Equal(25, atOnce);
        Assert.Equal(10, afterOneSecond); // refilled at 10 per second, not to the brim
        Assert.Equal(25, afterTenSeconds); // never more than the bucket holds
    }

    [Fact]
    public void TokenBucket_RefillsContinuously_KeepingFractionsOfATokens()
    {
        var state = default(AlgorithmState);
        Assert.Equal(10, AdmitAtOnce(ref state, TenPerSecond, Start));
        var later = Start + (150 * Millisecond);

        // 150 ms at 10 per second is 1.5 tokens: one is taken, half a token stays in the bucket.
        var standing = RateLimitAlgorithms.Peek(ref state, TenPerSecond, later, out _);
        var one = TokenBucket.Decide(ref state, TenPerSecond, later, 1, consume: true, out _);
        var denied = TokenBucket.Decide(ref state, TenPerSecond, later, 1, consume: true, out _);
        var halfTokenLater = TokenBucket.Decide(ref state, TenPerSecond, later + (50 * Millisecond) + 1, 1, consume: true, out _);

        Assert.Equal(1, standing.Remaining);
        Assert.True(one.IsAllowed);
        Assert.Equal(0, one.Remaining);
        Assert.False(denied.IsAllowed);
        Assert.Equal(TimeSpan.FromMilliseconds(50) + TimeSpan.FromTicks(10), denied.RetryAfter); // half a token takes 50 ms, +1 µs
        Assert.Equal(TimeSpan.FromMilliseconds(950), denied.ResetAfter);
        Assert.True(halfTokenLater.IsAllowed);
    }

    [Fact]
    public void TokenBucket_RefillsAfterWindow_AdmitsAgain()
    {
        var limit = RateLimit.Parse("200/minute TokenBucket");
        var state = default(AlgorithmState);

        var first = AdmitAtOnce(ref state, limit, Start);
        var second = AdmitAtOnce(ref state, limit, Start + Minute);
        var third = AdmitAtOnce(ref state, limit, Start + (2 * Minute));

        Assert.Equal(200, first);
        Assert.Equal(200, second);
        Assert.Equal(200, third);
    }

    [Fact]
    public void TokenBucket_FractionalRefillsAcrossAdmissions_AddUpExactly()
    {
        // One token every 15 s. After 20 s, 1⅓ tokens: one is taken and ⅓ stays. Ten seconds later ⅔ more have come:
        // exactly one token. (Kept as a fraction in floating point, ⅓ + ⅔ fell a hair short of 1 and this was denied.)
        var limit = RateLimit.Parse("4/minute TokenBucket");
        var state = default(AlgorithmState);
        Assert.True(TokenBucket.Decide(ref state, limit, Start, 4, consume: true, out _).IsAllowed);

        var afterTwentySeconds = TokenBucket.Decide(ref state, limit, Start + (20 * Second), 1, consume: true, out _);
        var afterThirtySeconds = TokenBucket.Decide(ref state, limit, Start + (30 * Second), 1, consume: true, out _);

        Assert.True(afterTwentySeconds.IsAllowed);
        Assert.True(afterThirtySeconds.IsAllowed);
        Assert.Equal(0, afterThirtySeconds.Remaining);
    }

    [Fact]
    public void TokenBucket_CostTakesThatManyTokens_AndWaitsForAllOfThem()
    {
        var state = default(AlgorithmState);
        Assert.True(TokenBucket.Decide(ref state, TenPerSecond, Start, 8, consume: true, out _).IsAllowed);

        var five = TokenBucket.Decide(ref state, TenPerSecond, Start, 5, consume: true, out _);
        var fiveLater = TokenBucket.Decide(ref state, TenPerSecond, Start + From(five.RetryAfter), 5, consume: true, out _);

        Assert.False(five.IsAllowed);
        Assert.Equal(2, five.Remaining);
        Assert.Equal(TimeSpan.FromMilliseconds(300) + TimeSpan.FromTicks(10), five.RetryAfter);
        Assert.True(fiveLater.IsAllowed);
    }

    [Fact]
    public void TokenBucket_CostAboveTheBucket_IsTooCostly()
    {
        var limit = RateLimit.Parse("10/second TokenBucket burst 20");
        var state = default(AlgorithmState);

        var fits = TokenBucket.Decide(ref state, limit, Start, 20, consume: false, out _);
        var tooMuch = TokenBucket.Decide(ref state, limit, Start, 21, consume: true, out _);

        Assert.True(fits.IsAllowed);
        Assert.Equal(RateLimitDenialReason.CostExceedsLimit, tooMuch.Reason);
        Assert.Equal(20, tooMuch.Remaining);
        Assert.Equal(default, state);
    }

    [Fact]
    public void TokenBucket_ExpiresWhenTheBucketIsFullAgain()
    {
        var state = default(AlgorithmState);

        var decision = TokenBucket.Decide(ref state, TenPerSecond, Start, 3, consume: true, out var expiresAt);

        Assert.Equal(TimeSpan.FromMilliseconds(300), decision.ResetAfter);
        Assert.Equal(Start + (300 * Millisecond), expiresAt);
    }

    [Fact]
    public void TokenBucket_PeekOnAFreshBucket_ReportsNothingToReset()
    {
        var state = default(AlgorithmState);

        var standing = RateLimitAlgorithms.Peek(ref state, TenPerSecond, Start, out _);

        Assert.Equal(TimeSpan.Zero, standing.ResetAfter);
        Assert.Equal(default, state);
    }

    [Fact]
    public void TokenBucket_LargestBurst_ReportsTimesWithoutOverflow()
    {
        // One token per 366 days and a bucket that takes RateLimit.MaxRefill to fill: the times stay positive.
        var limit = new RateLimit(1, RateLimit.MaxWindow, RateLimitAlgorithm.TokenBucket, burst: 100);
        var state = default(AlgorithmState);

        var all = TokenBucket.Decide(ref state, limit, Start, 100, consume: true, out var expiresAt);
        var denied = TokenBucket.Decide(ref state, limit, Start, 1, consume: true, out _);

        Assert.True(all.IsAllowed);
        Assert.InRange(all.ResetAfter, RateLimit.MaxRefill, RateLimit.MaxRefill + TimeSpan.FromTicks(10));
        Assert.InRange(expiresAt, Start + From(RateLimit.MaxRefill), Start + From(RateLimit.MaxRefill) + 1);
        Assert.InRange(denied.RetryAfter, RateLimit.MaxWindow, RateLimit.MaxWindow + TimeSpan.FromTicks(20));
    }

    [Fact]
    public void TokenBucket_RequestStampedBeforeTheLastOne_DoesNotMoveTheRefillClockBack()
    {
        var state = default(AlgorithmState);
        var now = Start + Second;
        for (var i = 0; i < 5; i++)
        {
            Assert.True(TokenBucket.Decide(ref state, TenPerSecond, now, 1, consume: true, out _).IsAllowed);
        }

        var stale = TokenBucket.Decide(ref state, TenPerSecond, Start, 1, consume: true, out _);
        var rest = AdmitAtOnce(ref state, TenPerSecond, now);

        // Six tokens are spent as of `now`. Had the stale request moved the refill clock back to Start,
        // a second of refill (10 tokens) would have been credited again and the bucket would be full.
        Assert.True(stale.IsAllowed);
        Assert.Equal(4, rest);
    }
}
