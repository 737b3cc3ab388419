namespace Floodgate.Penalties;

/// <summary>
/// Counts violations per client and bans repeat offenders for a while, on every endpoint. The in-memory box holds
/// one process; the Redis box makes a ban hold on every instance.
/// </summary>
public interface IPenaltyBox
{
    /// <summary>Raised when this box bans a client (by violations or by an operator). Handlers run on the banning request's thread: keep them short.</summary>
    event Action<BanRecord>? Banned;

    /// <summary>Raised when this box lifts a ban through <see cref="UnbanAsync"/>.</summary>
    event Action<string>? Unbanned;

    /// <summary>The ban in force on <paramref name="clientId"/>, or <see langword="null"/>.</summary>
    ValueTask<BanRecord?> GetBanAsync(string clientId, CancellationToken cancellationToken = default);

    /// <summary>Records a denied request of <paramref name="clientId"/>; returns the ban this violation caused, if any.</summary>
    ValueTask<BanRecord?> RecordViolationAsync(string clientId, CancellationToken cancellationToken = default);

    /// <summary>Bans <paramref name="clientId"/> for <paramref name="duration"/> (an operator's ban).</summary>
    ValueTask<BanRecord> BanAsync(string clientId, TimeSpan duration, string reason, CancellationToken cancellationToken = default);

    /// <summary>Lifts the ban on <paramref name="clientId"/> and forgets its violations; <see langword="false"/> when it was not banned.</summary>
    ValueTask<bool> UnbanAsync(string clientId, CancellationToken cancellationToken = default);

    /// <summary>The bans in force now.</summary>
    ValueTask<IReadOnlyList<BanRecord>> ListBansAsync(CancellationToken cancellationToken = default);
}
