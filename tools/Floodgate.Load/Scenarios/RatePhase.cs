namespace Floodgate.Load.Scenarios;

/// <summary>
/// A stretch of an open-model run at one rate: request <c>k</c> of it is due at <c>Start + k / Rate</c>, for every
/// <c>k</c> whose due time falls before <c>Start + Length</c>.
/// </summary>
internal readonly record struct RatePhase(TimeSpan Start, TimeSpan Length, double Rate)
{
    /// <summary>Requests the phase sends: ⌈Length × Rate⌉ (a tiny tolerance keeps 2 s × 200/s at exactly 400).</summary>
    public long Count => (long)Math.Ceiling((Length.TotalSeconds * Rate) - 1e-9);

    /// <summary>When request <paramref name="k"/> of this phase is due, in seconds from the start of the run.</summary>
    public double DueSeconds(long k) => Start.TotalSeconds + (k / Rate);
}
