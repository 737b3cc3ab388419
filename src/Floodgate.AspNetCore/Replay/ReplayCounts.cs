namespace Floodgate.AspNetCore.Replay;

/// <summary>The running counts behind a <see cref="ReplayTally"/>.</summary>
internal struct ReplayCounts
{
    public long Requests;
    public long Admitted;
    public long NewlyDenied;
    public long NewlyAdmitted;

    public void Add(bool admitted, bool actuallyAdmitted)
    {
        Requests++;
        if (admitted)
        {
            Admitted++;
            if (!actuallyAdmitted)
            {
                NewlyAdmitted++;
            }
        }
        else if (actuallyAdmitted)
        {
            NewlyDenied++;
        }
    }

    public readonly ReplayTally ToTally() => new(Requests, Admitted, NewlyDenied, NewlyAdmitted);
}
