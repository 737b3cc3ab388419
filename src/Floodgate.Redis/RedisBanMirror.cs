using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Floodgate.Penalties;

namespace Floodgate.Redis;

/// <summary>
/// This instance's copy of the bans in force, so that checking a ban costs no round trip. The penalty script
/// announces every ban and unban on a channel in the same atomic step that writes it; each instance applies the
/// announcements, and reloads the whole index after it subscribes and after every reconnect (announcements sent
/// while it was away are lost). Only a current mirror answers: until the reload is done,
/// <see cref="RedisPenaltyBox"/> asks Redis.
/// </summary>
/// <remarks>
/// A ban ends here at the local time its duration runs out, counted from the moment this instance learned of it, so
/// no clock is compared across machines; it can outlive the Redis key by the announcement's delivery time.
/// </remarks>
internal sealed class RedisBanMirror(TimeProvider timeProvider)
{
    /// <summary>Expired entries are swept after this many additions.</summary>
    private const int SweepEvery = 1024;

    private readonly ConcurrentDictionary<string, MirroredBan> _bans = new(StringComparer.Ordinal);
    private long _changes;
    private long _generation;
    private long _currentGeneration = -1;

    /// <summary>Whether the mirror holds every ban in force (loaded, subscribed, and no connection lost since).</summary>
    public bool IsCurrent => Volatile.Read(ref _currentGeneration) == Volatile.Read(ref _generation);

    /// <summary>Bans held (ended ones included until swept).</summary>
    public int Count => _bans.Count;

    /// <summary>The changes applied so far; a reload begun after change N keeps entries written later.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>The ban in force on <paramref name="clientId"/> as far as this mirror knows, or <see langword="null"/>.</summary>
    public BanRecord? Find(string clientId)
    {
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
    /// <returns>The generation a reload must complete for the mirror to be current again.</returns>
    public long Invalidate() => Interlocked.Increment(ref _generation);

    /// <summary>The generation a reload begun now completes.</summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>Records a ban that lasts <paramref name="duration"/> from now (this instance's own, or an announced one).</summary>
    public void Add(BanRecord ban, TimeSpan duration)
    {
        var change = Interlocked.Increment(ref _changes);
        var endsAt = timeProvider.GetTimestamp() + (long)(duration.Ticks * (timeProvider.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
        _bans[ban.ClientId] = new MirroredBan(ban, endsAt, change);
        if (change % SweepEvery == 0)
        {
            Sweep();
        }
    }

    /// <summary>Forgets the ban on <paramref name="clientId"/>.</summary>
    public void Remove(string clientId)
    {
        Interlocked.Increment(ref _changes);
        _bans.TryRemove(clientId, out _);
    }

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
        string? clientId = null, reason = null;
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

        if (clientId is null)
        {
            return false;
        }

        if (unban)
        {
            Remove(clientId);
            return true;
        }

        if (expiresAt <= bannedAt)
        {
            return false;
        }

        var ban = new BanRecord(clientId, DateTimeOffset.UnixEpoch.AddTicks(bannedAt * 10), DateTimeOffset.UnixEpoch.AddTicks(expiresAt * 10), strike, reason ?? string.Empty);
        Add(ban, TimeSpan.FromTicks((expiresAt - bannedAt) * 10));
        return true;
    }

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
