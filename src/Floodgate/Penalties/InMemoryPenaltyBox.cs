using System.Collections.Concurrent;
using Floodgate.Storage;

namespace Floodgate.Penalties;

/// <summary>
/// Bans in this process. Violations are counted with an exact sliding log per client; the <c>Violations</c>-th
/// violation within <c>Window</c> bans the client for <c>BanDuration</c> (doubling per strike with <c>Escalate</c>).
/// </summary>
public sealed class InMemoryPenaltyBox : IPenaltyBox, IDisposable
{
    private readonly ConcurrentDictionary<string, BanRecord> _bans = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Strikes> _strikes = new(StringComparer.Ordinal);
    private readonly InMemoryRateLimitStore _violations;
    private readonly RateLimit _violationLimit;
    private readonly PenaltyOptions _options;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a penalty box.</summary>
    public InMemoryPenaltyBox(PenaltyOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new PenaltyOptions();
        _options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _violationLimit = new RateLimit(_options.Violations, _options.Window, RateLimitAlgorithm.SlidingWindowLog);
        _violations = new InMemoryRateLimitStore(new InMemoryStoreOptions { CleanupInterval = TimeSpan.FromMinutes(1) }, _timeProvider);
    }

    /// <summary>The thresholds this box bans by (validated); a shared box such as the Redis one bans by the same.</summary>
    public PenaltyOptions Options => _options;

    /// <summary>Raised when a client is banned (by violations or by an operator).</summary>
    public event Action<BanRecord>? Banned;

    /// <summary>Raised when a ban is lifted by <see cref="UnbanAsync"/>.</summary>
    public event Action<string>? Unbanned;

    /// <inheritdoc />
    public ValueTask<BanRecord?> GetBanAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return new(GetBan(clientId));
    }

    /// <summary>The synchronous form of <see cref="GetBanAsync"/>.</summary>
    public BanRecord? GetBan(string clientId)
    {
        // No IsEmpty guard: on an empty ConcurrentDictionary it takes every lock, while TryGetValue takes none.
        if (!_bans.TryGetValue(clientId, out var ban))
        {
            return null;
        }

        if (ban.ExpiresAt > _timeProvider.GetUtcNow())
        {
            return ban;
        }

        _bans.TryRemove(new KeyValuePair<string, BanRecord>(clientId, ban));
        return null;
    }

    /// <inheritdoc />
    public ValueTask<BanRecord?> RecordViolationAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (!_options.Enabled)
        {
            return new((BanRecord?)null);
        }

        // Requests that were already past the ban check when the ban began do not count towards another one.
        if (_bans.TryGetValue(clientId, out var current) && current.ExpiresAt > _timeProvider.GetUtcNow())
        {
            return new((BanRecord?)null);
        }

        var decision = _violations.Acquire(clientId, _violationLimit);
        if (!decision.IsAllowed || decision.Remaining > 0)
        {
            return new((BanRecord?)null);
        }

        // This violation used up the allowance: ban, then start counting afresh for after the ban (in this order, so
        // that no violation slips between the two and counts towards another ban).
        var ban = Ban(clientId, null, $"{_options.Violations} violations within {RateLimit.FormatWindow(_options.Window)}");
        _violations.Reset(clientId, _violationLimit);
        return new(ban);
    }

    /// <inheritdoc />
    public ValueTask<BanRecord> BanAsync(string clientId, TimeSpan duration, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        return new(Ban(clientId, duration, reason));
    }

    /// <inheritdoc />
    public ValueTask<bool> UnbanAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        _violations.Reset(clientId, _violationLimit);
        var removed = _bans.TryRemove(clientId, out var ban) && ban.ExpiresAt > _timeProvider.GetUtcNow();
        if (removed)
        {
            Unbanned?.Invoke(clientId);
        }

        return new(removed);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BanRecord>> ListBansAsync(CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var list = new List<BanRecord>();
        foreach (var (clientId, ban) in _bans)
        {
            if (ban.ExpiresAt > now)
            {
                list.Add(ban);
            }
            else
            {
                _bans.TryRemove(new KeyValuePair<string, BanRecord>(clientId, ban));
            }
        }

        list.Sort(static (a, b) => a.ExpiresAt.CompareTo(b.ExpiresAt));
        return new(list);
    }

    /// <inheritdoc />
    public void Dispose() => _violations.Dispose();

    private BanRecord Ban(string clientId, TimeSpan? duration, string reason)
    {
        var now = _timeProvider.GetUtcNow();
        var strikes = _strikes.GetOrAdd(clientId, static _ => new Strikes());
        BanRecord ban;
        lock (strikes)
        {
            // Strikes are forgotten once a client has stayed clean for the longest ban.
            var strike = strikes.LastBanEnd + _options.MaxBanDuration < now ? 1 : strikes.Count + 1;
            ban = new BanRecord(clientId, now, now + (duration ?? _options.BanLength(strike)), strike, reason);
            strikes.Count = strike;
            strikes.LastBanEnd = ban.ExpiresAt;
        }

        _bans[clientId] = ban;
        Banned?.Invoke(ban);
        return ban;
    }

    private sealed class Strikes
    {
        public int Count;
        public DateTimeOffset LastBanEnd = DateTimeOffset.MinValue;
    }
}
