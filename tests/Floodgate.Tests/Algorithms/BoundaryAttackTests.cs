using Floodgate.Algorithms;
using static Floodgate.Tests.Micros;

namespace Floodgate.Tests.Algorithms;

/// <summary>
/// The fixed-window boundary attack: a client that knows where windows start sends the whole limit in the last second
/// before a boundary and the whole limit again in the first second after it. L = 100 per minute; the attack is
/// 100 requests 10 ms apart from B − 1 s to B − 10 ms, then 100 from B to B + 990 ms, so its span (first to last
/// request) is Δ = 1.99 s.
/// </summary>
public sealed class BoundaryAttackTests
{
    private const long L = 100;
    private static readonly long W = Minute;
    private static readonly long Boundary = Start + (10 * Minute);
    private static readonly long FirstRequest = Boundary - Second;
    private static readonly long LastRequest = Boundary + (990 * Millisecond);
    private static readonly long Span = LastRequest - FirstRequest;

    private static IEnumerable<long> Attack()
    {
        for (var i = 0; i < L; i++)
        {
            yield return FirstRequest + (i * 10 * Millisecond);
        }

        for (var i = 0; i < L; i++)
        {
            yield return Boundary + (i * 10 * Millisecond);
        }
    }

    private static long AdmittedBy(RateLimit limit)
    {
        var state = default(AlgorithmState);
        var admitted = 0L;
        foreach (var now in Attack())
        {
            if (RateLimitAlgorithms.Decide(ref state, limit, now, 1, consume: true, out _).IsAllowed)
            {
                admitted++;
            }
        }

        Report($"{limit}: boundary attack of 2 × {L} requests over {Span / Millisecond} ms admitted {admitted}");
        return admitted;
    }

    private static void Report(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public void FixedWindow_BoundaryAttack_AdmitsTwiceTheLimit()
    {
        var admitted = AdmittedBy(new RateLimit(L, TimeSpan.FromMinutes(1), RateLimitAlgorithm.FixedWindow));

        Assert.Equal(2 * L, admitted);
    }

    [Fact]
    public void SlidingWindowLog_BoundaryAttack_AdmitsExactlyTheLimit()
    {
        var admitted = AdmittedBy(new RateLimit(L, TimeSpan.FromMinutes(1), RateLimitAlgorithm.SlidingWindowLog));

        Assert.Equal(L, admitted);
    }

    /// <summary>
    /// A token bucket holds at most <c>capacity</c> tokens when the attack starts and gains <c>L / W</c> per µs, so over
    /// any span Δ it admits at most <c>capacity + L·Δ/W</c> units — whole units, so at most <c>L + ⌊L·Δ/W⌋</c> with a
    /// burst of L. GCRA: each unit moves the TAT on by T ≥ W / L (rounded up), the TAT starts at or after the first
    /// request, and the last admission needs TAT ≤ last + τ with τ = capacity·T; so n·T ≤ Δ + τ, n ≤ L + Δ/T ≤ L + L·Δ/W.
    /// Both refill continuously, so the second half of the attack gets only what refilled during it:
    /// here L + ⌈100 × 1.99 s / 60 s⌉ = 104, against 2L = 200 for the fixed window.
    /// </summary>
    [Theory]
    [InlineData(RateLimitAlgorithm.TokenBucket)]
    [InlineData(RateLimitAlgorithm.Gcra)]
    public void ContinuousRefill_BoundaryAttack_AdmitsAtMostTheBurstPlusWhatRefilledDuringTheAttack(RateLimitAlgorithm algorithm)
    {
        var bound = L + CeilingDivide(L * Span, W);

        var admitted = AdmittedBy(new RateLimit(L, TimeSpan.FromMinutes(1), algorithm, burst: L));

        Assert.Equal(104, bound);
        Assert.InRange(admitted, L, bound);
        Assert.True(bound < 2 * L * 6 / 10, $"the bound {bound} should be far below 2L = {2 * L}");
    }

    /// <summary>
    /// The sliding window counter assumes the previous window's requests were spread evenly. In the attack they all sit
    /// in its last second, so after the boundary, at e µs into the new window, the counter weighs them as
    /// <c>L·(W − e)/W</c> while all L are still inside the true sliding window: it admits while
    /// <c>current + 1 ≤ L·e/W</c>. The last request is at e = 990 ms, so at most ⌊L × 0.99 s / 60 s⌋ = 1 unit gets
    /// through after the boundary: L + ⌊L·e_last/W⌋ = 101 in total. (Its worst case over a long attack is a second
    /// window where e runs to W: the error is at most L·e/W, the share of the window the attacker waited.)
    /// </summary>
    [Fact]
    public void SlidingWindowCounter_BoundaryAttack_AdmitsAtMostWhatTheWeightingMissesAfterTheBoundary()
    {
        var lastIntoWindow = LastRequest - Boundary;
        var bound = L + (L * lastIntoWindow / W);

        var admitted = AdmittedBy(new RateLimit(L, TimeSpan.FromMinutes(1)));

        Assert.Equal(101, bound);
        Assert.InRange(admitted, L, bound);
    }

    [Fact]
    public void SlidingWindowLog_LongRandomizedTrace_NeverHoldsMoreThanTheLimitInAnySlidingWindow()
    {
        var limit = new RateLimit(50, TimeSpan.FromSeconds(10), RateLimitAlgorithm.SlidingWindowLog);
        var trace = RandomizedTrace(limit, requests: 200_000, seed: 20260101);

        var admissions = Admissions(limit, trace);
        var worst = WorstSlidingWindow(admissions, limit.WindowMicroseconds);

        Report($"{limit}: {admissions.Count} of {trace.Count} requests admitted; the fullest sliding window held {worst}");
        Assert.True(admissions.Count > 10_000);
        Assert.Equal(limit.Count, worst);
    }

    /// <summary>
    /// Worst cases over a window (t − W, t] for L = 50: the fixed window 2L across a boundary. Token bucket and GCRA
    /// (burst = L): a full bucket at the start plus less than one window of refill, at most 2L − 1. The sliding counter:
    /// at e into a window it admits up to L + L·e/W when the previous window's units all sat at its end, e &lt; W,
    /// so at most 2L − 1. The trace shows how close bursty traffic comes; the figures go to the output.
    /// </summary>
    [Theory]
    [InlineData(RateLimitAlgorithm.FixedWindow, 100)]
    [InlineData(RateLimitAlgorithm.SlidingWindowCounter, 99)]
    [InlineData(RateLimitAlgorithm.TokenBucket, 99)]
    [InlineData(RateLimitAlgorithm.Gcra, 99)]
    public void OtherAlgorithms_LongRandomizedTrace_StayWithinTheirWorstCase(RateLimitAlgorithm algorithm, long worstCase)
    {
        var limit = new RateLimit(50, TimeSpan.FromSeconds(10), algorithm);
        var trace = RandomizedTrace(limit, requests: 200_000, seed: 20260101);

        var admissions = Admissions(limit, trace);
        var worst = WorstSlidingWindow(admissions, limit.WindowMicroseconds);

        Report($"{limit}: {admissions.Count} of {trace.Count} requests admitted; the fullest sliding window held {worst}");
        Assert.InRange(worst, limit.Count, worstCase);
    }

    /// <summary>Gaps from 1 µs to several windows, clusters of requests just before and after window boundaries, costs 1 to 3.</summary>
    private static List<(long At, long Cost)> RandomizedTrace(RateLimit limit, int requests, int seed)
    {
        var random = new Random(seed);
        var window = limit.WindowMicroseconds;
        var trace = new List<(long, long)>(requests);
        var now = Start + random.NextInt64(window);
        while (trace.Count < requests)
        {
            var kind = random.Next(100);
            if (kind < 5)
            {
                // A burst straddling the next boundary.
                var boundary = ((now / window) + 1) * window;
                now = Math.Max(now, boundary - random.NextInt64(1, window / 20)); // time never goes back
                var end = boundary + random.NextInt64(1, window / 20);
                while (now < end && trace.Count < requests)
                {
                    trace.Add((now, 1 + random.Next(3)));
                    now += random.NextInt64(0, window / 200);
                }

                continue;
            }

            now += kind switch
            {
                < 60 => random.NextInt64(0, window / limit.Count),
                < 95 => random.NextInt64(0, window / 10),
                _ => random.NextInt64(window, 3 * window),
            };
            trace.Add((now, random.Next(10) == 0 ? 1 + random.Next(3) : 1));
        }

        return trace;
    }

    private static List<(long At, long Cost)> Admissions(RateLimit limit, List<(long At, long Cost)> trace)
    {
        var state = default(AlgorithmState);
        var admitted = new List<(long, long)>();
        foreach (var (at, cost) in trace)
        {
            if (RateLimitAlgorithms.Decide(ref state, limit, at, cost, consume: true, out _).IsAllowed)
            {
                admitted.Add((at, cost));
            }
        }

        return admitted;
    }

    /// <summary>The most units admitted in any window (t − W, t], checked for the window ending at every admission.</summary>
    private static long WorstSlidingWindow(List<(long At, long Cost)> admissions, long window)
    {
        long worst = 0, inWindow = 0;
        var oldest = 0;
        foreach (var (at, cost) in admissions)
        {
            inWindow += cost;
            while (admissions[oldest].At <= at - window)
            {
                inWindow -= admissions[oldest].Cost;
                oldest++;
            }

            worst = Math.Max(worst, inWindow);
        }

        return worst;
    }

    private static long CeilingDivide(long dividend, long divisor) => (dividend + divisor - 1) / divisor;
}
