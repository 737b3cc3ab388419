using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Floodgate.Penalties;

namespace Floodgate.Redis;

/// <summary>
/// This instance's copy of the bans in force, so that checking a ban costs no round trip. The penalty script
/// announces every ban and unban on a channel in the same atomic step that writes it; each instance applies the
/// announcements in the order Redis ran the scripts, and reloads the whole index after it subscribes and after every
/// reconnect (announcements sent while it was away are lost). Only a current mirror answers: until the reload is
/// done, <see cref="RedisPenaltyBox"/> asks Redis.
/// </summary>
/// <remarks>
/// <para>
/// This instance's own bans and unbans take effect here at once, so that its next check sees them: they are kept
/// apart (<see cref="OwnBanChange"/>) and answer for their client until their announcement comes back, at which
/// point the announced copy, which every later announcement updates in order, takes over. An own change whose
/// announcement never comes (lost with the connection) is trusted for at most <see cref="OwnChangeLifetime"/> of
/// the system clock: it bounds a network delivery, not a limiter's time.
/// </para>
/// A ban ends here at the local time its duration runs out, counted from the moment this instance learned of it, so
/// no clock is compared across machines; it can outlive the Redis key by the announcement's delivery time.
/// </remarks>
/// <param name="timeProvider">The clock bans end by here.</param>
/// <param name="applicationClock">
/// Whether the bans were written with the application's clock (the test hook of <see cref="RedisStoreOptions"/>): then
/// a ban ends when that clock passes its end, as in Redis, however late its announcement arrived.
/// </param>
internal sealed class RedisBanMirror(TimeProvider timeProvider, bool applicationClock = false)
{
    /// <summary>Expired entries are swept after this many additions.</summary>
    private const int SweepEvery = 1024;

    /// <summary>Most own changes remembered as returned before their reply was read.</summary>
    private const int MaxReturned = 1024;

    private static readonly TimeSpan OwnChangeLifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, MirroredBan> _bans = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OwnBanChange> _own = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, bool> _returned = new();
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private long _ownChanges;
    private long _changes;
    private long _generation;
    private long _currentGeneration = -1;

    /// <summary>Whether the mirror holds every ban in force (loaded, subscribed, and no connection lost since).</summary>
    public bool IsCurrent => Volatile.Read(ref _currentGeneration) == Volatile.Read(ref _generation);

    /// <summary>Announcements applied so far; a reload begun after the Nth keeps what later ones wrote.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>The generation a reload begun now completes.</summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>The origin to pass with a call that is not an own ban or unban (the listing).</summary>
    public string Anonymous => _origin + ":0";

    /// <summary>The origin to pass the script with an own change, and the change's number for <see cref="Own"/>.</summary>
    public string NextOrigin(out long change)
    {
        change = Interlocked.Increment(ref _ownChanges);
        return string.Create(CultureInfo.InvariantCulture, $"{_origin}:{change}");
    }

    /// <summary>Records an own ban (or, with <paramref name="ban"/> null, an unban) that Redis confirmed.</summary>
    public void Own(string clientId, long change, BanRecord? ban)
    {
        if (_returned.TryRemove(change, out _))
        {
            return; // its announcement came first and is applied already
        }

        var endsAt = ban is null ? 0 : EndsAt(ban, ban.ExpiresAt - ban.BannedAt);
        _own[clientId] = new OwnBanChange(ban, endsAt, change, TimeProvider.System.GetTimestamp() + Ticks(TimeProvider.System, OwnChangeLifetime));
    }

    /// <summary>The ban in force on <paramref name="clientId"/> as far as this mirror knows, or <see langword="null"/>.</summary>
    public BanRecord? Find(string clientId)
    {
        // (No IsEmpty guard: on an empty ConcurrentDictionary, IsEmpty takes every lock; TryGetValue takes none.)
        if (_own.TryGetValue(clientId, out var own))
        {
            if (TimeProvider.System.GetTimestamp() < own.Until)
            {
                return own.Ban is not null && own.EndsAt > timeProvider.GetTimestamp() ? own.Ban : null;
            }

            _own.TryRemove(new KeyValuePair<string, OwnBanChange>(clientId, own));
        }

        if (!_bans.TryGetValue(clientId, out var ban))
        {
            return null;
        }

        if (ban.EndsAt > timeProvider.GetTimestamp())
        {
            return ban.Record;
        }

        _bans.TryRemove(new KeyValuePair<string, MirroredBan>(clientId, ban));
        return null;
    }

    /// <summary>The connection was lost: announcements may be missed until the next <see cref="Reload"/>.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    /// <summary>
    /// Installs a reload: the bans in force in Redis at <paramref name="redisNow"/> (microseconds, the clock the bans
    /// were written with). Entries this reload did not see and that no announcement wrote after change
    /// <paramref name="sinceChange"/> are lifted bans and go. The mirror is current again when no connection was lost
    /// since <paramref name="generation"/>.
    /// </summary>
    public void Reload(IReadOnlyList<BanRecord> bans, long redisNow, long sinceChange, long generation)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ban in bans)
        {
            seen.Add(ban.ClientId);
            var left = ban.ExpiresAt - DateTimeOffset.UnixEpoch.AddTicks(redisNow * 10);
            if (left > TimeSpan.Zero && !(_bans.TryGetValue(ban.ClientId, out var known) && known.Change > sinceChange))
            {
                Add(ban, left);
            }
        }

        foreach (var (clientId, ban) in _bans)
        {
            if (ban.Change <= sinceChange && !seen.Contains(clientId))
            {
                _bans.TryRemove(new KeyValuePair<string, MirroredBan>(clientId, ban));
            }
        }

        Sweep();
        Volatile.Write(ref _currentGeneration, generation);
    }

    /// <summary>Applies one announcement of the penalty script (layout at the top of Scripts/penalty.lua). Malformed ones are ignored.</summary>
    public bool Apply(ReadOnlySpan<byte> message)
    {
        string? clientId = null, reason = null, origin = null;
        long bannedAt = 0, expiresAt = 0;
        var strike = 0;
        var unban = false;
        try
        {
            var reader = new Utf8JsonReader(message);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan.Length == 1 ? reader.ValueSpan[0] : (byte)0;
                reader.Read();
                switch (name)
                {
                    case (byte)'c': clientId = reader.GetString(); break;
                    case (byte)'o': origin = reader.GetString(); break;
                    case (byte)'r': reason = reader.GetString(); break;
                    case (byte)'b': bannedAt = Number(ref reader); break;
                    case (byte)'e': expiresAt = Number(ref reader); break;
                    case (byte)'s': strike = reader.GetInt32(); break;
                    case (byte)'u': unban = true; break;
                    default: reader.Skip(); break;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            return false;
        }

        if (clientId is null || (!unban && expiresAt <= bannedAt))
        {
            return false;
        }

        if (unban)
        {
            Interlocked.Increment(ref _changes);
            _bans.TryRemove(clientId, out _);
        }
        else
        {
            var ban = new BanRecord(clientId, DateTimeOffset.UnixEpoch.AddTicks(bannedAt * 10), DateTimeOffset.UnixEpoch.AddTicks(expiresAt * 10), strike, reason ?? string.Empty);
            Add(ban, TimeSpan.FromTicks((expiresAt - bannedAt) * 10));
        }

        Returned(clientId, origin);
        return true;
    }

    /// <summary>An own change came back: the announced copy holds it now.</summary>
    private void Returned(string clientId, string? origin)
    {
        if (origin is null || origin.Length <= _origin.Length + 1 || origin[_origin.Length] != ':' || !origin.StartsWith(_origin, StringComparison.Ordinal)
            || !long.TryParse(origin.AsSpan(_origin.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var change) || change == 0)
        {
            return;
        }

        if (_own.TryGetValue(clientId, out var own) && own.Change == change)
        {
            _own.TryRemove(new KeyValuePair<string, OwnBanChange>(clientId, own));
        }
        else if (!(_own.TryGetValue(clientId, out own) && own.Change > change))
        {
            // Back before its reply was read: Own must not keep it apart afterwards.
            if (_returned.Count >= MaxReturned)
            {
                _returned.Clear();
            }

            _returned[change] = true;
        }
    }

    private void Add(BanRecord ban, TimeSpan duration)
    {
        var change = Interlocked.Increment(ref _changes);
        _bans[ban.ClientId] = new MirroredBan(ban, EndsAt(ban, duration), change);
        if (change % SweepEvery == 0)
        {
            Sweep();
        }
    }

    /// <summary>The local timestamp <paramref name="ban"/> ends at, <paramref name="left"/> from now.</summary>
    private long EndsAt(BanRecord ban, TimeSpan left) => applicationClock
        ? timeProvider.GetTimestamp() + Ticks(timeProvider, ban.ExpiresAt - timeProvider.GetUtcNow())
        : timeProvider.GetTimestamp() + Ticks(timeProvider, left);

    private static long Ticks(TimeProvider clock, TimeSpan duration) => (long)(duration.Ticks * (clock.TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    private static long Number(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String
        ? (long)double.Parse(reader.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
        : (long)reader.GetDouble();

    private void Sweep()
    {
        var now = timeProvider.GetTimestamp();
        foreach (var (clientId, ban) in _bans)
        {
            if (ban.EndsAt <= now)
            {
                _bans.TryRemove(new KeyValuePair<string, MirroredBan>(clientId, ban));
            }
        }
    }
}
