namespace Floodgate.Server.Stats;

/// <summary>
/// Allowed and denied requests of one endpoint or client since it was first counted, without a lock. The pipeline
/// reads how much each second added by remembering what it saw at the previous second's end: requests only ever
/// increment, so the totals are exact whenever they are read and nothing is reset.
/// </summary>
internal sealed class TrafficCounter
{
    private long _allowed;
    private long _denied;

    // Written by the pipeline alone, once a second.
    private long _seenAllowed;
    private long _seenDenied;

    public long Allowed => Interlocked.Read(ref _allowed);

    public long Denied => Interlocked.Read(ref _denied);

    public void Add(bool allowed) => Interlocked.Increment(ref allowed ? ref _allowed : ref _denied);

    /// <summary>What was added since the previous call (the second that just ended), and remembers the totals now.</summary>
    public (long Allowed, long Denied) TakeSecond()
    {
        long allowed = Allowed, denied = Denied;
        var second = (allowed - _seenAllowed, denied - _seenDenied);
        _seenAllowed = allowed;
        _seenDenied = denied;
        return second;
    }
}
