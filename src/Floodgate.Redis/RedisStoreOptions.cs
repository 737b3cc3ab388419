namespace Floodgate.Redis;

/// <summary>The Redis store (<c>Floodgate:Redis</c>).</summary>
public sealed class RedisStoreOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Floodgate:Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string: <c>localhost:6379</c>; with <c>serviceName=mymaster</c> and sentinel
    /// endpoints it goes through Sentinel; cluster nodes are discovered from any one of them.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key. Default <c>floodgate</c>.</summary>
    public string KeyPrefix { get; set; } = "floodgate";

    /// <summary>What happens while Redis cannot be reached. Default <see cref="RedisFailureMode.FallbackToMemory"/>.</summary>
    public RedisFailureMode FailureMode { get; set; } = RedisFailureMode.FallbackToMemory;

    /// <summary>
    /// The longest one call waits for Redis. Default 250 ms: well above the p99 of a loaded shard, so that a slow
    /// answer is waited for rather than taken for an outage. A request whose own call times out while Redis is not
    /// (yet) taken to be gone is denied (<see cref="RateLimitDenialReason.StoreUnavailable"/>, retry after
    /// <see cref="RetryInterval"/>), or admitted with <see cref="RedisFailureMode.FailOpen"/>: Redis may still count it,
    /// so admitting it from memory could exceed the limit.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Timeouts in a row (each of a call begun after the previous timeout was seen) that make an outage. Default 3:
    /// a stall shorter than about three <see cref="Timeout"/>s never switches to the failure mode. A lost or refused
    /// connection is an outage at once.
    /// </summary>
    public int TimeoutsBeforeOutage { get; set; } = 3;

    /// <summary>During an outage, how long the store answers with the failure mode before it tries Redis again (sooner when the connection is restored). Default 1 s.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many instances share the limits. While deciding in memory (<see cref="RedisFailureMode.FallbackToMemory"/>)
    /// each instance admits its share, the limit divided by this count (at least 1), so that all of them together
    /// admit about the limit, not this many times it. Above 1, the keys memory decided during an outage stay with memory
    /// (within the share) for <see cref="RetryInterval"/> + 2 × <see cref="Timeout"/> after it, while the other instances
    /// come back and count in Redis what their memory gave. Default 1.
    /// </summary>
    public int Instances { get; set; } = 1;

    /// <summary>
    /// Deny locally, without a round trip, a key known to be over its limit until its retry time (as Envoy's rate
    /// limit service does). Default <see langword="true"/>.
    /// </summary>
    public bool OverLimitCache { get; set; } = true;

    /// <summary>Most keys the over-limit cache remembers. Default 100,000.</summary>
    public int OverLimitCacheSize { get; set; } = 100_000;

    /// <summary>
    /// Send decisions that arrive while a call to the same Redis endpoint (Cluster slot) is in flight together, in
    /// the next call: one <c>EVALSHA</c> carrying many requests, each still all-or-nothing, decided in arrival order.
    /// A lone request never waits for a timer. Default <see langword="true"/>.
    /// </summary>
    public bool Batching { get; set; } = true;

    /// <summary>Most requests one batched call carries. Default 128.</summary>
    public int MaxBatchSize { get; set; } = 128;

    /// <summary>
    /// Decide with the application's <see cref="TimeProvider"/> instead of Redis <c>TIME</c>: a hook for tests that
    /// advance a fake clock, internal so that no configuration can set it; every instance of a real deployment reads
    /// the same clock, Redis's.
    /// </summary>
    internal bool UseApplicationClock { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid property.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(KeyPrefix, nameof(KeyPrefix));
        if (!Enum.IsDefined(FailureMode))
        {
            throw new ArgumentOutOfRangeException(nameof(FailureMode), FailureMode, "Must be FallbackToMemory, FailOpen or FailClosed.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Timeout, TimeSpan.FromMilliseconds(1), nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Timeout, TimeSpan.FromSeconds(30), nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryInterval, TimeSpan.FromMilliseconds(10), nameof(RetryInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(TimeoutsBeforeOutage, 1, nameof(TimeoutsBeforeOutage));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TimeoutsBeforeOutage, 100, nameof(TimeoutsBeforeOutage));
        ArgumentOutOfRangeException.ThrowIfLessThan(Instances, 1, nameof(Instances));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Instances, 10_000, nameof(Instances));
        ArgumentOutOfRangeException.ThrowIfLessThan(OverLimitCacheSize, 1, nameof(OverLimitCacheSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBatchSize, 1_000, nameof(MaxBatchSize));
    }
}
