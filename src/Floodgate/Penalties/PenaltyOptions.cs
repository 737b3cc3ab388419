namespace Floodgate.Penalties;

/// <summary>When repeat offenders are banned, and for how long (section <c>Floodgate:Penalty</c>).</summary>
public sealed class PenaltyOptions
{
    /// <summary>Whether denials count towards a ban. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Denials within <see cref="Window"/> that earn a ban, 1 to 1000. Default 5.</summary>
    public int Violations { get; set; } = 5;

    /// <summary>The window in which violations are counted. Default 5 minutes.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a first ban lasts. Default 15 minutes.</summary>
    public TimeSpan BanDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Whether each further ban of the same client lasts twice as long as the one before. Default <see langword="false"/>.</summary>
    public bool Escalate { get; set; }

    /// <summary>The longest ban escalation reaches. Default one day.</summary>
    public TimeSpan MaxBanDuration { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long ban number <paramref name="strike"/> lasts: <see cref="BanDuration"/>, doubled per earlier strike with <see cref="Escalate"/>, at most <see cref="MaxBanDuration"/>.</summary>
    public TimeSpan BanLength(int strike)
    {
        if (!Escalate || strike <= 1)
        {
            return BanDuration;
        }

        var ticks = BanDuration.Ticks;
        for (var i = 1; i < strike && ticks < MaxBanDuration.Ticks; i++)
        {
            ticks *= 2;
        }

        return TimeSpan.FromTicks(Math.Min(ticks, MaxBanDuration.Ticks));
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid property.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Violations, 1, nameof(Violations));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Violations, 1000, nameof(Violations));
        ArgumentOutOfRangeException.ThrowIfLessThan(Window, TimeSpan.FromSeconds(1), nameof(Window));
        ArgumentOutOfRangeException.ThrowIfLessThan(BanDuration, TimeSpan.FromSeconds(1), nameof(BanDuration));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBanDuration, BanDuration, nameof(MaxBanDuration));
    }
}
