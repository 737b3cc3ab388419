namespace Floodgate.Redis;

/// <summary>
/// A state key the store has decided before: its Redis key, built once, and what Redis last said of it, so that
/// memory, deciding during an outage, starts from what was left instead of a full limit.
/// </summary>
internal sealed class KnownKey(string stateKey)
{
    private long _remaining = -1;
    private long _resetAt;
    private long _seededIn;

    /// <summary>The Redis key.</summary>
    public string StateKey { get; } = stateKey;

    /// <summary>Records Redis's answer: <paramref name="remaining"/> left until the local timestamp <paramref name="resetAt"/>.</summary>
    public void Remember(long remaining, long resetAt)
    {
        Volatile.Write(ref _remaining, remaining);
        Volatile.Write(ref _resetAt, resetAt);
    }

    /// <summary>
    /// What Redis last said was left, if that still holds at <paramref name="now"/> and this key was not yet seeded in
    /// outage number <paramref name="outage"/> (then it is marked seeded: one caller seeds it).
    /// </summary>
    public bool TrySeed(long outage, long now, out long remaining)
    {
        remaining = Volatile.Read(ref _remaining);
        var seeded = Volatile.Read(ref _seededIn);
        return remaining >= 0 && Volatile.Read(ref _resetAt) > now && seeded != outage
            && Interlocked.CompareExchange(ref _seededIn, outage, seeded) == seeded;
    }
}
