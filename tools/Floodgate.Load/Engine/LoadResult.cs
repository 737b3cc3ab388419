namespace Floodgate.Load.Engine;

/// <summary>What one run did. <c>Sent = Allowed + Throttled + Errors</c> once the run has ended.</summary>
internal sealed record LoadResult
{
    public required string Scenario { get; init; }

    public required string Target { get; init; }

    public required string Method { get; init; }

    /// <summary><c>open</c> (constant arrival rate) or <c>closed</c> (workers sending back to back).</summary>
    public required string Model { get; init; }

    /// <summary>Requests per second asked for (the base rate of a burst); null in the closed model.</summary>
    public double? RequestedRate { get; init; }

    /// <summary>Workers of the closed model; null in the open model.</summary>
    public int? Concurrency { get; init; }

    public required string Identity { get; init; }

    public required int Clients { get; init; }

    public required double DurationSeconds { get; init; }

    /// <summary>From the first send until the last response (or the end of the run).</summary>
    public required double ElapsedSeconds { get; init; }

    /// <summary>True when the run was stopped before its end (Ctrl+C).</summary>
    public required bool Stopped { get; init; }

    public required long Sent { get; init; }

    /// <summary>2xx responses.</summary>
    public required long Allowed { get; init; }

    /// <summary>429, 420 and 503 responses: the statuses Floodgate rejects with.</summary>
    public required long Throttled { get; init; }

    public required IReadOnlyDictionary<string, long> ThrottledByStatus { get; init; }

    /// <summary>Transport failures and any other status.</summary>
    public required long Errors { get; init; }

    public required IReadOnlyDictionary<string, long> ErrorsByKind { get; init; }

    /// <summary>Completed requests per second of <see cref="ElapsedSeconds"/>.</summary>
    public required double AchievedRate { get; init; }

    /// <summary>From the scheduled send time to the end of the response body, over every HTTP response.</summary>
    public required LatencySummary Latency { get; init; }

    /// <summary>How late the tool itself started requests after their scheduled time (the client's own share).</summary>
    public required LatencySummary SendLag { get; init; }

    /// <summary>The whole latency histogram, for tools that merge runs or compute other statistics.</summary>
    public required IReadOnlyList<HistogramBucket> LatencyHistogram { get; init; }

    public required IReadOnlyList<SecondSample> Seconds { get; init; }
}
