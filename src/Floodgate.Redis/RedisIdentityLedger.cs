using System.Collections.Concurrent;
using Floodgate.Diagnostics;
using Floodgate.Identities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// The identity ceiling counted in Redis, one count per address for every instance: <c>{prefix}:ids:{{address}}</c>, a
/// set of the identities the address presented, expiring with its window (Scripts/identities.lua decides atomically).
/// </summary>
/// <remarks>
/// An instance asks Redis the first time it sees an identity of an address, then believes the answer for a while
/// without a round trip: an address over its ceiling until its window ends (that does not change), an identity
/// Redis admitted for <see cref="Recheck"/>, so that an address that goes over its ceiling through another instance
/// is the address here too within that time. An attacker who rotates identities therefore costs about ceiling + 1
/// calls per address and instance in a window, a client that keeps its identity one call per <see cref="Recheck"/>.
/// While Redis cannot be reached the answer is <see langword="null"/>: each instance counts on its own.
/// </remarks>
internal sealed class RedisIdentityLedger : IIdentityLedger
{
    /// <summary>How long an identity Redis admitted is believed here before this instance asks again.</summary>
    internal static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    /// <summary>Addresses whose answers are kept here; beyond it they are forgotten (and asked again).</summary>
    private const int MaxAddresses = 100_000;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RedisOutage _outage;
    private readonly long _recheckTicks;
    private readonly ConcurrentDictionary<string, KnownAddress> _addresses = new(StringComparer.Ordinal);
    private int _known;
    private long _calls;
    private RedisCallFailure? _lastBug;

    public RedisIdentityLedger(IConnectionMultiplexer redis, RedisStoreOptions options, TimeProvider? timeProvider = null, ILogger<RedisIdentityLedger>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _outage = new RedisOutage(_timeProvider, options.RetryInterval, options.TimeoutsBeforeOutage);
        _recheckTicks = Ticks(Recheck);
    }

    /// <summary>Round trips to Redis so far (for tests and diagnostics).</summary>
    internal long Calls => Interlocked.Read(ref _calls);

    /// <summary>The last call that failed for a reason other than an outage (a script error, a bug), if any.</summary>
    internal RedisCallFailure? LastBug => Volatile.Read(ref _lastBug);

    /// <summary>Where store errors are counted (<c>floodgate.store.errors</c>), when the application has metrics.</summary>
    internal FloodgateMetrics? Metrics { get; init; }

    /// <summary>The Redis key of <paramref name="addressKey"/>'s identities.</summary>
    internal string Key(string addressKey) => string.Concat(_options.KeyPrefix, ":ids:{", addressKey, "}");

    /// <inheritdoc />
    public ValueTask<bool?> AdmitAsync(string addressKey, string identity, int ceiling, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addressKey);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentOutOfRangeException.ThrowIfLessThan(ceiling, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromMilliseconds(1));
        var now = _timeProvider.GetTimestamp();
        if (_addresses.TryGetValue(addressKey, out var known) && known.Answer(identity, now) is { } answer)
        {
            return new ValueTask<bool?>(answer);
        }

        return _outage.Resting ? new ValueTask<bool?>((bool?)null) : AskAsync(addressKey, identity, ceiling, window);
    }

    private async ValueTask<bool?> AskAsync(string addressKey, string identity, int ceiling, TimeSpan window)
    {
        var startedAt = _timeProvider.GetTimestamp();
        try
        {
            Interlocked.Increment(ref _calls);
            var reply = (RedisResult[])(await RedisScripts.EvaluateAsync(
                _redis.GetDatabase(),
                RedisScripts.IdentitiesSha1,
                RedisScripts.Identities,
                [Key(addressKey)],
                [identity, ceiling, (long)Math.Ceiling(window.TotalMilliseconds)],
                _options.Timeout,
                _timeProvider,
                CancellationToken.None).ConfigureAwait(false))!;
            if (_outage.Recover())
            {
                Log.IdentityLedgerRecovered(_logger);
            }

            var admitted = (long)reply[0] == 1;
            var now = _timeProvider.GetTimestamp();
            var left = Ticks(TimeSpan.FromMilliseconds(Math.Max((long)reply[1], 0)));
            Remember(addressKey, now).Learn(identity, admitted, admitted ? now + Math.Min(left, _recheckTicks) : now + left, now);
            return admitted;
        }
        catch (Exception ex) when (Failed(ex, startedAt))
        {
            return null;
        }
    }

    private KnownAddress Remember(string addressKey, long now)
    {
        if (_addresses.TryGetValue(addressKey, out var known))
        {
            return known;
        }

        if (Interlocked.Increment(ref _known) > MaxAddresses)
        {
            // A cache only: forgetting every address costs one call each the next time, never a wrong answer.
            _addresses.Clear();
            Volatile.Write(ref _known, 1);
        }

        var created = new KnownAddress(now);
        known = _addresses.GetOrAdd(addressKey, created);
        if (!ReferenceEquals(known, created))
        {
            Interlocked.Decrement(ref _known);
        }

        return known;
    }

    /// <summary>
    /// Records a failed call begun at <paramref name="startedAt"/>: <see langword="false"/> for a bug (logged as an
    /// error and left to propagate); otherwise <see langword="true"/>, and this instance counts on its own.
    /// </summary>
    private bool Failed(Exception exception, long startedAt)
    {
        Metrics?.StoreError(nameof(RedisIdentityLedger));
        var kind = RedisOutage.Classify(exception, _redis);
        if (kind == RedisFailureKind.Bug)
        {
            Volatile.Write(ref _lastBug, new RedisCallFailure(exception, _timeProvider.GetTimestamp()));
            Log.IdentityLedgerCallFailed(_logger, exception);
            return false;
        }

        if (_outage.Fail(kind, startedAt, out var began) && began)
        {
            Log.IdentityLedgerUnavailable(_logger, exception);
        }

        return true;
    }

    private long Ticks(TimeSpan span) => (long)(span.Ticks * (_timeProvider.TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    /// <summary>What Redis last said about one address's identities, each answer with the time it is believed until.</summary>
    private sealed class KnownAddress(long now)
    {
        private readonly Lock _lock = new();
        private string[] _identities = new string[4];
        private long[] _until = new long[4];
        private int _count;
        private long _overUntil = now;

        /// <summary>The answer believed at <paramref name="now"/>, or <see langword="null"/> when Redis must be asked.</summary>
        public bool? Answer(string identity, long now)
        {
            lock (_lock)
            {
                if (now < _overUntil)
                {
                    return false;
                }

                for (var i = 0; i < _count; i++)
                {
                    if (string.Equals(_identities[i], identity, StringComparison.Ordinal))
                    {
                        return now < _until[i] ? true : null;
                    }
                }

                return null;
            }
        }

        public void Learn(string identity, bool admitted, long until, long now)
        {
            lock (_lock)
            {
                if (!admitted)
                {
                    _overUntil = until;
                    Array.Clear(_identities, 0, _count);
                    _count = 0;
                    return;
                }

                for (var i = 0; i < _count; i++)
                {
                    if (string.Equals(_identities[i], identity, StringComparison.Ordinal))
                    {
                        _until[i] = until;
                        return;
                    }
                }

                if (_count == _identities.Length)
                {
                    // Drop the entries no longer believed before growing; the ceiling (at most 1,000) bounds the rest.
                    var kept = 0;
                    for (var i = 0; i < _count; i++)
                    {
                        if (_until[i] > now)
                        {
                            _identities[kept] = _identities[i];
                            _until[kept++] = _until[i];
                        }
                    }

                    _count = kept;
                    if (_count == _identities.Length)
                    {
                        Array.Resize(ref _identities, _identities.Length * 2);
                        Array.Resize(ref _until, _until.Length * 2);
                    }
                }

                _identities[_count] = identity;
                _until[_count++] = until;
            }
        }
    }
}
