using Floodgate.Algorithms;
using Floodgate.Testing.Traces;
using static Floodgate.Tests.Micros;

namespace Floodgate.Tests.Algorithms;

/// <summary>
/// How close the sliding window counter (constant memory, the default) comes to the exact sliding window log, on a
/// deterministic trace of 1.39 million requests from 2,000 clients with mixed behaviour. Both algorithms see the same
/// timestamps and keep their own state per client, as two deployments would; every request where one admits and the
/// other denies counts as a difference.
/// </summary>
/// <remarks>
/// What the figures mean. A client whose traffic stays under the limit is never near either algorithm's threshold, so
/// both admit everything: no differences. A client at or over the limit is at the threshold most of the time, and there
/// the two admit about the same number of requests but not the same ones: the log admits a request the moment an old
/// entry leaves (bursts recur one window later), the counter spreads admissions along the window (it assumes the
/// previous window was evenly spread). So the share of differing decisions is a property of how much of the traffic is
/// saturated, not a small constant: on this trace 0 % for clients under the limit, about 10 % for clients around it,
/// about 26 % for clients far over it, 17.7 % overall. (Cloudflare's 0.003 % counts every request, admitted or not,
/// on mostly unsaturated traffic; it is not this comparison.)
/// </remarks>
public sealed class SlidingWindowAccuracyTests
{
    private const int Clients = 2_000;
    private static readonly RateLimit Counter = RateLimit.Parse("60/minute");
    private static readonly RateLimit Log = Counter.WithAlgorithm(RateLimitAlgorithm.SlidingWindowLog);

    [Fact]
    public void SlidingWindowCounter_MillionRequestTrace_DiffersFromTheExactLogOnlyForClientsAtOrOverTheLimit()
    {
        var trace = AdversarialTrace.Generate(Clients, duration: 10 * Minute, limit: Counter, seed: 0x5EED_F100D6A7E);
        var counters = new AlgorithmState[Clients];
        var logs = new AlgorithmState[Clients];
        var judges = new ExactWindow[Clients];
        for (var c = 0; c < Clients; c++)
        {
            judges[c] = new ExactWindow(Counter.WindowMicroseconds);
        }

        var tallies = new Tally[AdversarialTrace.KindCount + 1]; // one per kind of client, and the whole trace
        for (var i = 0; i < trace.Count; i++)
        {
            var (at, client) = (trace.Times[i], trace.Clients[i]);
            var byCounter = SlidingWindowCounter.Decide(ref counters[client], Counter, at, 1, consume: true, out _).IsAllowed;
            var byLog = SlidingWindowLog.Decide(ref logs[client], Log, at, 1, consume: true, out _).IsAllowed;

            // The counter's decision judged exactly: would a sliding window holding what the counter admitted have room?
            var inWindow = judges[client].CountAt(at);
            var exact = inWindow + 1 <= Counter.Count;
            if (byCounter)
            {
                judges[client].Add(at);
                inWindow++;
            }

            tallies[trace.KindOf[client]].Add(byCounter, byLog, exact, inWindow);
            tallies[AdversarialTrace.KindCount].Add(byCounter, byLog, exact, inWindow);
        }

        var whole = tallies[AdversarialTrace.KindCount];
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"{Counter} sliding window counter against the exact log; {trace.Description}");
        for (var kind = 0; kind <= AdversarialTrace.KindCount; kind++)
        {
            output?.WriteLine($"  {(kind < AdversarialTrace.KindCount ? AdversarialTrace.KindNames[kind] : "all clients"),-24} {tallies[kind]}");
        }

        var summary =
            $"sliding window counter vs exact log ({Counter}, {whole.Requests:N0} requests from {Clients:N0} clients): " +
            $"decisions differ on {whole.DifferingShare:P4} of all requests, {tallies[0].DifferingShare:P4} for clients under the limit, " +
            $"{tallies[1].DifferingShare:P4} around it, {tallies[2].DifferingShare:P4} far over it, {tallies[3].DifferingShare:P4} for bursty ones; " +
            $"admitted {whole.AdmittedByCounter:N0} (counter) vs {whole.AdmittedByLog:N0} (log); fullest sliding window {whole.Worst} (limit {Counter.Count})";
        output?.WriteLine(summary);
        Console.WriteLine(summary);

        Assert.True(trace.Count >= 1_000_000, $"the trace has {trace.Count} requests");
        Assert.Equal(trace.Count, whole.Both + whole.Neither + whole.CounterOnly + whole.LogOnly);
        Assert.Equal(trace.Count, tallies[..AdversarialTrace.KindCount].Sum(t => t.Requests));

        // Clients under the limit (Poisson, at most 0.6 × 60 = 36 per window, σ = 6) reach the 59 units at which
        // either algorithm denies only in a 3.8σ excursion: differences there must stay below 1 in 10,000.
        Assert.True(tallies[0].DifferingShare < 0.0001, summary);

        // Admitted volume: the log is exact; the counter runs a saturated client at about L − 1 per window (its estimate
        // keeps the fraction) and lets bursts across a boundary through (previous window weighed as if spread out).
        // On this trace the two effects net out to well within 1 % of the log's volume.
        Assert.InRange(whole.AdmittedByCounter, whole.AdmittedByLog * 0.99, whole.AdmittedByLog * 1.01);

        // The counter's worst case in any sliding window is the current window's L plus the under-weighted rest of
        // the previous one: below 2L.
        Assert.InRange(whole.Worst, Counter.Count, (2 * Counter.Count) - 1);

        // Overall: a regression guard. The trace and both algorithms are deterministic, and the share measured when this
        // test was written was 17.70 % (245,882 of 1,389,404); a change that makes the counter agree less with the log
        // fails here and must be looked at.
        Assert.True(whole.DifferingShare <= 0.18, summary);
    }

    /// <summary>Decisions on one group of requests.</summary>
    private struct Tally
    {
        public long Requests;
        public long Both;
        public long Neither;
        public long CounterOnly;
        public long LogOnly;
        public long WronglyAllowed;
        public long WronglyDenied;
        public long Worst;

        public readonly double DifferingShare => (double)(CounterOnly + LogOnly) / Math.Max(Requests, 1);

        public readonly long AdmittedByCounter => Both + CounterOnly;

        public readonly long AdmittedByLog => Both + LogOnly;

        public void Add(bool byCounter, bool byLog, bool exact, long inWindow)
        {
            Requests++;
            Both += byCounter && byLog ? 1 : 0;
            Neither += !byCounter && !byLog ? 1 : 0;
            CounterOnly += byCounter && !byLog ? 1 : 0;
            LogOnly += !byCounter && byLog ? 1 : 0;
            WronglyAllowed += byCounter && !exact ? 1 : 0;
            WronglyDenied += !byCounter && exact ? 1 : 0;
            Worst = Math.Max(Worst, inWindow);
        }

        public override readonly string ToString() =>
            $"{Requests,9:N0} requests: differ {CounterOnly + LogOnly,7:N0} ({DifferingShare,8:P4}; {CounterOnly:N0} only counter, {LogOnly:N0} only log); " +
            $"admitted {AdmittedByCounter:N0} vs {AdmittedByLog:N0}; judged on its own history {WronglyAllowed:N0} wrongly allowed, {WronglyDenied:N0} wrongly denied; fullest window {Worst}";
    }

    /// <summary>Exact count of a client's admissions in (now − W, now]: a queue of times.</summary>
    private sealed class ExactWindow(long window)
    {
        private readonly Queue<long> _admitted = new();

        public long CountAt(long now)
        {
            while (_admitted.Count > 0 && _admitted.Peek() + window <= now)
            {
                _admitted.Dequeue();
            }

            return _admitted.Count;
        }

        public void Add(long at) => _admitted.Enqueue(at);
    }
}
