using Floodgate.Load.Scenarios;

namespace Floodgate.Load.Engine;

/// <summary>
/// Counts what a run does, from many threads at once without locks: totals, statuses, error kinds, a latency histogram
/// for the whole run and one per second of it.
/// </summary>
internal sealed class LoadRecorder
{
    private const int StatusSlots = 600;

    private readonly TimeProvider _time;
    private readonly long[] _statuses = new long[StatusSlots];
    private readonly long[] _errorKinds = new long[ErrorKinds.Count];
    private readonly LatencyHistogram _latency = new();
    private readonly LatencyHistogram _lag = new();
    private readonly Second?[] _seconds;
    private long _start;
    private long _sent;
    private long _allowed;
    private long _throttled;
    private long _errors;

    public LoadRecorder(TimeProvider time, TimeSpan longestRun)
    {
        _time = time;
        _seconds = new Second?[(int)Math.Ceiling(longestRun.TotalSeconds) + 1];
    }

    /// <summary>The timestamp (of <see cref="TimeProvider.GetTimestamp"/>) the run started at; 0 before.</summary>
    public long Start => Volatile.Read(ref _start);

    public void MarkStart(long timestamp) => Volatile.Write(ref _start, timestamp);

    public void RecordSent() => Interlocked.Increment(ref _sent);

    public void RecordSendLag(long due, long started) => _lag.Record(Micros(started - due));

    /// <summary>An HTTP response: 2xx is allowed, 429/420/503 throttled, anything else an error.</summary>
    public void RecordResponse(int status, long due, long completed)
    {
        var second = SecondOf(completed);
        var latency = Micros(completed - due);
        _latency.Record(latency);
        second.Latency.Record(latency);
        Interlocked.Increment(ref _statuses[Math.Clamp(status, 0, StatusSlots - 1)]);
        if (status is >= 200 and < 300)
        {
            Interlocked.Increment(ref _allowed);
            Interlocked.Increment(ref second.Allowed);
        }
        else if (IsThrottle(status))
        {
            Interlocked.Increment(ref _throttled);
            Interlocked.Increment(ref second.Throttled);
        }
        else
        {
            Interlocked.Increment(ref _errors);
            Interlocked.Increment(ref second.Errors);
        }
    }

    /// <summary>A request that got no HTTP response.</summary>
    public void RecordError(ErrorKind kind, long completed)
    {
        var second = SecondOf(completed);
        Interlocked.Increment(ref _errorKinds[(int)kind]);
        Interlocked.Increment(ref _errors);
        Interlocked.Increment(ref second.Errors);
    }

    public static bool IsThrottle(int status) => status is 429 or 420 or 503;

    /// <summary>A consistent-enough view for the progress line; the counters move while it is read.</summary>
    public ProgressSnapshot Snapshot()
    {
        var start = Start;
        var elapsed = start == 0 ? TimeSpan.Zero : _time.GetElapsedTime(start);
        return new ProgressSnapshot(
            elapsed,
            Volatile.Read(ref _sent),
            Volatile.Read(ref _allowed),
            Volatile.Read(ref _throttled),
            Volatile.Read(ref _errors));
    }

    public LoadResult ToResult(LoadPlan plan, TimeSpan elapsed, bool stopped)
    {
        var throttledByStatus = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var errorsByKind = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var status = 0; status < StatusSlots; status++)
        {
            var count = Volatile.Read(ref _statuses[status]);
            if (count == 0 || status is >= 200 and < 300)
            {
                continue;
            }

            if (IsThrottle(status))
            {
                throttledByStatus[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = count;
            }
            else
            {
                errorsByKind[ErrorKinds.StatusName(status)] = count;
            }
        }

        for (var kind = 0; kind < _errorKinds.Length; kind++)
        {
            var count = Volatile.Read(ref _errorKinds[kind]);
            if (count > 0)
            {
                errorsByKind[ErrorKinds.Name((ErrorKind)kind)] = count;
            }
        }

        var seconds = new List<SecondSample>();
        var last = Array.FindLastIndex(_seconds, s => s is not null);
        for (var index = 0; index <= last; index++)
        {
            var second = _seconds[index];
            seconds.Add(second is null
                ? new SecondSample(index, 0, 0, 0, 0, 0, 0)
                : new SecondSample(
                    index,
                    second.Allowed,
                    second.Throttled,
                    second.Errors,
                    Millis(second.Latency.ValueAtPercentile(50)),
                    Millis(second.Latency.ValueAtPercentile(90)),
                    Millis(second.Latency.ValueAtPercentile(99))));
        }

        var allowed = Volatile.Read(ref _allowed);
        var throttled = Volatile.Read(ref _throttled);
        var errors = Volatile.Read(ref _errors);
        return new LoadResult
        {
            Scenario = plan.Scenario.Name,
            Target = plan.Request.Url.ToString(),
            Method = plan.Request.Method.Method,
            Model = plan.IsOpen ? "open" : "closed",
            RequestedRate = plan.IsOpen ? plan.Rate : null,
            Concurrency = plan.Concurrency,
            Identity = plan.Request.Identities.Name,
            Clients = plan.Request.Identities.Count,
            DurationSeconds = plan.Duration.TotalSeconds,
            ElapsedSeconds = elapsed.TotalSeconds,
            Stopped = stopped,
            Sent = Volatile.Read(ref _sent),
            Allowed = allowed,
            Throttled = throttled,
            ThrottledByStatus = throttledByStatus,
            Errors = errors,
            ErrorsByKind = errorsByKind,
            AchievedRate = elapsed > TimeSpan.Zero ? (allowed + throttled + errors) / elapsed.TotalSeconds : 0,
            Latency = Summarize(_latency),
            SendLag = Summarize(_lag),
            LatencyHistogram = _latency.Buckets(),
            Seconds = seconds,
        };
    }

    private static LatencySummary Summarize(LatencyHistogram histogram) => new(
        histogram.TotalCount,
        Math.Round(histogram.Mean / 1000, 3),
        Millis(histogram.ValueAtPercentile(50)),
        Millis(histogram.ValueAtPercentile(90)),
        Millis(histogram.ValueAtPercentile(99)),
        Millis(histogram.ValueAtPercentile(99.9)),
        Millis(histogram.Max));

    private static double Millis(long micros) => Math.Round(micros / 1000.0, 3);

    private long Micros(long timestampTicks) => (long)(timestampTicks * (1_000_000.0 / _time.TimestampFrequency));

    private Second SecondOf(long timestamp)
    {
        var offset = timestamp - Start;
        var index = (int)Math.Clamp(offset / _time.TimestampFrequency, 0, _seconds.Length - 1);
        var second = Volatile.Read(ref _seconds[index]);
        if (second is null)
        {
            var created = new Second();
            second = Interlocked.CompareExchange(ref _seconds[index], created, null) ?? created;
        }

        return second;
    }

    /// <summary>One second of the run.</summary>
    private sealed class Second
    {
#pragma warning disable CA1051 // Fields, so that Interlocked can increment them.
        public long Allowed;
        public long Throttled;
        public long Errors;
#pragma warning restore CA1051
        public LatencyHistogram Latency { get; } = new();
    }
}
