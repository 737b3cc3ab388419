namespace Floodgate.Load.Engine;

/// <summary>The counters at one moment of a run.</summary>
internal readonly record struct ProgressSnapshot(TimeSpan Elapsed, long Sent, long Allowed, long Throttled, long Errors)
{
    public long Completed => Allowed + Throttled + Errors;
}
