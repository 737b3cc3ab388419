namespace Floodgate.Storage;

/// <summary>Bounds and housekeeping of the <see cref="InMemoryRateLimitStore"/>.</summary>
public sealed class InMemoryStoreOptions
{
    /// <summary>
    /// The most (key, limit) states kept, at every moment and however many threads add keys at once. A new key that
    /// finds the store full first has expired state swept; if that is not enough, the store forgets live state (in no
    /// particular order) until it is back under 90 % of the cap. At least 1; default 1,000,000.
    /// </summary>
    public int MaxKeys { get; set; } = 1_000_000;

    /// <summary>How often expired state is swept; must be positive. Default one minute.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);
}
