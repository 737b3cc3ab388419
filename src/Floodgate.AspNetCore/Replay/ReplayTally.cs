namespace Floodgate.AspNetCore.Replay;

/// <summary>What a candidate policy set decided for a group of requests, against what was actually decided.</summary>
/// <param name="Requests">Requests replayed.</param>
/// <param name="Admitted">Requests the candidate admits.</param>
/// <param name="NewlyDenied">Requests actually admitted that the candidate denies.</param>
/// <param name="NewlyAdmitted">Requests actually denied that the candidate admits.</param>
public readonly record struct ReplayTally(long Requests, long Admitted, long NewlyDenied, long NewlyAdmitted)
{
    /// <summary>Requests the candidate denies.</summary>
    public long Denied => Requests - Admitted;

    /// <summary>Requests actually admitted.</summary>
    public long ActuallyAdmitted => Admitted - NewlyAdmitted + NewlyDenied;

    /// <summary>Requests actually denied.</summary>
    public long ActuallyDenied => Requests - ActuallyAdmitted;

    /// <summary>Requests decided otherwise than they actually were.</summary>
    public long Changed => NewlyDenied + NewlyAdmitted;

    /// <summary>The share of <see cref="Requests"/> decided otherwise, between 0 and 1.</summary>
    public double ChangedShare => Requests == 0 ? 0 : (double)Changed / Requests;
}
