namespace Floodgate.Penalties;

/// <summary>A ban of one client: when it began, when it ends, and the how-manieth ban it is.</summary>
/// <param name="ClientId">The banned client.</param>
/// <param name="BannedAt">When the ban began.</param>
/// <param name="ExpiresAt">When the ban ends.</param>
/// <param name="Strike">1 for a first ban, 2 for the next (durations double with each strike when escalation is on).</param>
/// <param name="Reason">Why: repeated violations, or an operator's words.</param>
public sealed record BanRecord(string ClientId, DateTimeOffset BannedAt, DateTimeOffset ExpiresAt, int Strike, string Reason)
{
    /// <summary>Time left at <paramref name="now"/>; zero once over.</summary>
    public TimeSpan Remaining(DateTimeOffset now) => ExpiresAt > now ? ExpiresAt - now : TimeSpan.Zero;
}
