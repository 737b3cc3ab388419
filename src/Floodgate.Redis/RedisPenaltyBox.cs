using System.Text.Json;
using Floodgate.Penalties;
using Floodgate.Storage;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary>
/// Bans in Redis, so a ban holds on every instance at once. A ban is a key <c>{prefix}:ban:{{client}}</c> holding its
/// record and expiring with it; <c>{prefix}:bans</c> is a sorted set (score = end, in Unix ms) that lists them without
/// scanning keys; strikes for escalation live in <c>{prefix}:strikes:{{client}}</c>. Violations are counted by the
/// Redis store with an exact sliding log. While Redis cannot be reached, an in-memory box answers; nothing throws
/// into a request.
/// </summary>
public sealed class RedisPenaltyBox : IPenaltyBox, IDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly IRateLimitStore _violations;
    private readonly RateLimit _violationLimit;
    private readonly PenaltyOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly InMemoryPenaltyBox _fallback;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly TimeSpan _timeout;

    /// <summary>Creates a penalty box on a shared multiplexer; violations are counted in <paramref name="violations"/> (the Redis store).</summary>
    public RedisPenaltyBox(IConnectionMultiplexer redis, IRateLimitStore violations, RedisStoreOptions storeOptions, PenaltyOptions options, TimeProvider? timeProvider = null, ILogger<RedisPenaltyBox>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(violations);
        ArgumentNullException.ThrowIfNull(storeOptions);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _redis = redis;
        _violations = violations;
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _violationLimit = new RateLimit(options.Violations, options.Window, RateLimitAlgorithm.SlidingWindowLog);
        _fallback = new InMemoryPenaltyBox(options, _timeProvider);
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _prefix = storeOptions.KeyPrefix;
        _timeout = TimeSpan.FromTicks(Math.Max(storeOptions.Timeout.Ticks * 4, TimeSpan.TicksPerMillisecond * 200));
    }

    /// <inheritdoc />
    public async ValueTask<BanRecord?> GetBanAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        try
        {
            var value = await _redis.GetDatabase().StringGetAsync(BanKey(clientId)).WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            return Parse(value) is { } ban && ban.ExpiresAt > _timeProvider.GetUtcNow() ? ban : null;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Unavailable(ex);
            return await _fallback.GetBanAsync(clientId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<BanRecord?> RecordViolationAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (!_options.Enabled)
        {
            return null;
        }

        var decision = await _violations.AcquireAsync(ViolationKey(clientId), _violationLimit, 1, cancellationToken).ConfigureAwait(false);
        if (!decision.IsAllowed || decision.Remaining > 0)
        {
            return null;
        }

        await _violations.ResetAsync(ViolationKey(clientId), _violationLimit, cancellationToken).ConfigureAwait(false);
        return await BanCoreAsync(clientId, null, $"{_options.Violations} violations within {RateLimit.FormatWindow(_options.Window)}", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<BanRecord> BanAsync(string clientId, TimeSpan duration, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        return await BanCoreAsync(clientId, duration, reason, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> UnbanAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        var local = await _fallback.UnbanAsync(clientId, cancellationToken).ConfigureAwait(false);
        try
        {
            await _violations.ResetAsync(ViolationKey(clientId), _violationLimit, cancellationToken).ConfigureAwait(false);
            var database = _redis.GetDatabase();
            var ban = Parse(await database.StringGetDeleteAsync(BanKey(clientId)).WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false));
            await database.SortedSetRemoveAsync(IndexKey, clientId).WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            return (ban is not null && ban.ExpiresAt > _timeProvider.GetUtcNow()) || local;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Unavailable(ex);
            return local;
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<BanRecord>> ListBansAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var database = _redis.GetDatabase();
            var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            await database.SortedSetRemoveRangeByScoreAsync(IndexKey, double.NegativeInfinity, now).WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            var clients = await database.SortedSetRangeByScoreAsync(IndexKey, now, double.PositiveInfinity, Exclude.Start).WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            var bans = new List<BanRecord>(clients.Length);
            foreach (var client in clients)
            {
                // One GET per ban (not MGET): ban keys of different clients live in different Cluster slots.
                if (Parse(await database.StringGetAsync(BanKey(client!)).WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false)) is { } ban)
                {
                    bans.Add(ban);
                }
            }

            return bans;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Unavailable(ex);
            return await _fallback.ListBansAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _fallback.Dispose();

    private async ValueTask<BanRecord> BanCoreAsync(string clientId, TimeSpan? duration, string reason, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        try
        {
            var database = _redis.GetDatabase();
            var strikesKey = $"{_prefix}:strikes:{{{clientId}}}";
            var strike = (int)await database.StringIncrementAsync(strikesKey).WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            var length = duration ?? _options.BanLength(strike);

            // Strikes are forgotten once a client has stayed clean for the longest ban after this one ends.
            await database.KeyExpireAsync(strikesKey, length + _options.MaxBanDuration).WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            var ban = new BanRecord(clientId, now, now + length, strike, reason);
            await database.StringSetAsync(BanKey(clientId), JsonSerializer.Serialize(ban, RedisJsonContext.Default.BanRecord), length).WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            await database.SortedSetAddAsync(IndexKey, clientId, ban.ExpiresAt.ToUnixTimeMilliseconds()).WaitAsync(_timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            return ban;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Unavailable(ex);
            return await _fallback.BanAsync(clientId, duration ?? _options.BanDuration, reason, cancellationToken).ConfigureAwait(false);
        }
    }

    private RedisKey IndexKey => $"{_prefix}:bans";

    private RedisKey BanKey(string clientId) => $"{_prefix}:ban:{{{clientId}}}";

    private static string ViolationKey(string clientId) => "violations|" + clientId;

    private static BanRecord? Parse(RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize((string)value!, RedisJsonContext.Default.BanRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void Unavailable(Exception exception) => Log.PenaltyBoxFallback(_logger, exception);

    private static bool IsRedisFailure(Exception exception) =>
        exception is RedisException or TimeoutException or ObjectDisposedException or IOException;

}

[System.Text.Json.Serialization.JsonSerializable(typeof(BanRecord))]
internal sealed partial class RedisJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}
