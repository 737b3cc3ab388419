using CsCheck;
using Floodgate.Algorithms;
using Floodgate.Tests.Algorithms.Reference;
using static Floodgate.Tests.Micros;

namespace Floodgate.Tests.Algorithms;

/// <summary>
/// Every algorithm against its reference model: generated limits and sequences of (time step, cost, consume), every
/// decision (allowed, remaining, retry-after, reset-after) compared. Time steps include repeats of the same instant,
/// steps to a window boundary ±1 µs, and steps of exactly the last retry-after (and 1 µs less), where rounding shows.
/// </summary>
public sealed class ReferenceModelPropertyTests
{
    private const int Iterations = 1_500;

    public enum StepKind
    {
        SameInstant,
        Small,
        WithinWindow,
        Windows,
        ToBoundary,
        ToRetryAfter,
    }

    public readonly record struct Request(StepKind Kind, long Amount, long Cost, bool Consume);

    public sealed record Scenario(RateLimit Limit, long Start, Request[] Steps)
    {
        public override string ToString() => $"{Limit} from {Start}: {string.Join(", ", Steps)}";
    }

    private static readonly long[] WindowChoices = [1, 3, 1_000, 7_000, 60_000, 3_600_000];

    private static Gen<RateLimit> Limits(RateLimitAlgorithm algorithm) =>
        from count in Gen.Frequency((4, Gen.Long[1, 10]), (1, Gen.Long[1, 1_000]))
        from windowMilliseconds in Gen.Frequency((4, Gen.OneOf(WindowChoices)), (1, Gen.Long[1, 86_400_000]))
        from burst in algorithm is RateLimitAlgorithm.TokenBucket or RateLimitAlgorithm.Gcra
            ? Gen.Frequency((1, Gen.Const(0L)), (1, Gen.Long[1, 3 * count]))
            : Gen.Const(0L)
        select new RateLimit(count, TimeSpan.FromMilliseconds(windowMilliseconds), algorithm, burst == 0 ? null : burst);

    private static Gen<Request> Steps(RateLimit limit) =>
        Gen.Select(
            Gen.Frequency(
                (3, Gen.Const(StepKind.SameInstant)),
                (4, Gen.Const(StepKind.Small)),
                (3, Gen.Const(StepKind.WithinWindow)),
                (1, Gen.Const(StepKind.Windows)),
                (1, Gen.Const(StepKind.ToBoundary)),
                (2, Gen.Const(StepKind.ToRetryAfter))),
            Gen.Long[0, 1L << 40],
            Gen.Frequency(
                (14, Gen.Const(1L)),
                (3, Gen.Long[0, limit.Capacity]),
                (2, Gen.Long[2, 5]),
                (1, Gen.Long[limit.Capacity + 1, limit.Capacity + 2])),
            Gen.Frequency((9, Gen.Const(true)), (1, Gen.Const(false))),
            (kind, amount, cost, consume) => new Request(kind, amount, cost, consume));

    private static Gen<Scenario> Scenarios(RateLimitAlgorithm algorithm) =>
        from limit in Limits(algorithm)
        from offset in Gen.Long[0, Day]
        from steps in Steps(limit).Array[1, 200]
        select new Scenario(limit, Start + offset, steps);

    /// <summary>The instant of the next step; time never goes back.</summary>
    private static long Next(long now, Request step, RateLimit limit, long lastRetryAfter)
    {
        var window = limit.WindowMicroseconds;
        return step.Kind switch
        {
            StepKind.SameInstant => now,
            StepKind.Small => now + 1 + (step.Amount % Math.Max(window / 50, 1)),
            StepKind.WithinWindow => now + 1 + (step.Amount % window),
            StepKind.Windows => now + window + (step.Amount % (2 * window)),
            StepKind.ToBoundary => Math.Max(now, (((now / window) + 1) * window) + (step.Amount % 3) - 1),
            StepKind.ToRetryAfter => now + Math.Max(lastRetryAfter - (step.Amount % 2), 0),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };
    }

    private static IReferenceModel ModelOf(RateLimit limit) => limit.Algorithm switch
    {
        RateLimitAlgorithm.FixedWindow => new FixedWindowModel(limit),
        RateLimitAlgorithm.SlidingWindowCounter => new SlidingWindowCounterModel(limit),
        RateLimitAlgorithm.SlidingWindowLog => new SlidingWindowLogModel(limit),
        RateLimitAlgorithm.TokenBucket => new TokenBucketModel(limit),
        RateLimitAlgorithm.Gcra => new GcraModel(limit),
        _ => throw new ArgumentOutOfRangeException(nameof(limit)),
    };

    [Theory]
    [InlineData(RateLimitAlgorithm.FixedWindow)]
    [InlineData(RateLimitAlgorithm.SlidingWindowCounter)]
    [InlineData(RateLimitAlgorithm.SlidingWindowLog)]
    [InlineData(RateLimitAlgorithm.TokenBucket)]
    [InlineData(RateLimitAlgorithm.Gcra)]
    public void Algorithm_DecidesEveryRequestExactlyAsItsReferenceModel(RateLimitAlgorithm algorithm)
    {
        long admitted = 0, denied = 0, tooCostly = 0, atRetryAfter = 0, admittedAtRetryAfter = 0;

        Scenarios(algorithm).Sample(scenario =>
        {
            var limit = scenario.Limit;
            var model = ModelOf(limit);
            var state = default(AlgorithmState);
            var now = scenario.Start;
            var lastRetryAfter = 0L;
            var previousDenied = false;

            for (var i = 0; i < scenario.Steps.Length; i++)
            {
                var step = scenario.Steps[i];
                now = Next(now, step, limit, lastRetryAfter);

                var expected = model.Decide(now, step.Cost, step.Consume);
                var actual = ModelDecision.Of(RateLimitAlgorithms.Decide(ref state, limit, now, step.Cost, step.Consume, out _));

                if (expected != actual)
                {
                    Assert.Fail($"step {i} ({step}) at {now - scenario.Start} µs: model {expected}, real {actual}");
                }

                // What was exercised: the retry-after probes are where rounding would show.
                Interlocked.Increment(ref actual.IsAllowed ? ref admitted : ref actual.IsTooCostly ? ref tooCostly : ref denied);
                if (previousDenied && step.Kind == StepKind.ToRetryAfter && step.Amount % 2 == 0)
                {
                    Interlocked.Increment(ref atRetryAfter);
                    Interlocked.Add(ref admittedAtRetryAfter, actual.IsAllowed ? 1 : 0);
                }

                previousDenied = !actual.IsAllowed && !actual.IsTooCostly;
                if (previousDenied)
                {
                    lastRetryAfter = actual.RetryAfter;
                }
            }
        }, iter: Iterations);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{algorithm}: {admitted:N0} admitted, {denied:N0} denied, {tooCostly:N0} too costly; {atRetryAfter:N0} requests exactly at the previous retry-after, {admittedAtRetryAfter:N0} of them admitted");
        Assert.True(admitted > 10_000 && denied > 10_000 && tooCostly > 100, $"{admitted} admitted, {denied} denied, {tooCostly} too costly");
        Assert.True(admittedAtRetryAfter > 1_000, $"{admittedAtRetryAfter} admitted at the advertised retry-after");
    }

    [Theory]
    [InlineData(RateLimitAlgorithm.FixedWindow)]
    [InlineData(RateLimitAlgorithm.SlidingWindowCounter)]
    [InlineData(RateLimitAlgorithm.SlidingWindowLog)]
    [InlineData(RateLimitAlgorithm.TokenBucket)]
    [InlineData(RateLimitAlgorithm.Gcra)]
    public void Algorithm_DeniedOrPeekedRequest_ChangesNothing(RateLimitAlgorithm algorithm)
    {
        Scenarios(algorithm).Sample(scenario =>
        {
            var limit = scenario.Limit;
            var state = default(AlgorithmState);
            var now = scenario.Start;
            var lastRetryAfter = 0L;

            for (var i = 0; i < scenario.Steps.Length; i++)
            {
                var step = scenario.Steps[i];
                now = Next(now, step, limit, lastRetryAfter);
                var before = Snapshot.Of(state, limit, now);

                var decision = RateLimitAlgorithms.Decide(ref state, limit, now, step.Cost, step.Consume, out _);

                if (!decision.IsAllowed || !step.Consume || step.Cost == 0)
                {
                    var after = Snapshot.Of(state, limit, now);
                    if (before != after)
                    {
                        Assert.Fail($"step {i} ({step}, {(decision.IsAllowed ? "allowed" : "denied")}) changed the state: {before} became {after}");
                    }
                }

                if (decision is { IsAllowed: false, CanRetry: true })
                {
                    lastRetryAfter = decision.RetryAfter.Ticks / 10;
                }
            }
        }, iter: Iterations);
    }

    /// <summary>
    /// What a state means at an instant. For the sliding log that is the entries still in the window: a decision drops
    /// the entries that have left the window (the ring's head moves), which is not a change of what the state says.
    /// </summary>
    private readonly record struct Snapshot(long Stamp, long Count, long Previous, double Spent, string Log)
    {
        public static Snapshot Of(AlgorithmState state, RateLimit limit, long now)
        {
            if (limit.Algorithm != RateLimitAlgorithm.SlidingWindowLog)
            {
                return new Snapshot(state.Stamp, state.Count, state.Previous, state.Spent, string.Empty);
            }

            var live = new List<long>();
            for (var i = 0; i < state.LogCount; i++)
            {
                var entry = state.Log![(state.LogHead + i) % state.Log.Length];
                if (entry + limit.WindowMicroseconds > now)
                {
                    live.Add(entry);
                }
            }

            return new Snapshot(state.Stamp, state.Count, state.Previous, state.Spent, string.Join(' ', live));
        }
    }
}
