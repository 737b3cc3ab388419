namespace Floodgate.Load.Options;

/// <summary>The hard bounds of one run. They are not options: a run that needs more is not one this tool makes.</summary>
internal static class LoadLimits
{
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(10);

    public const long MaxRequests = 10_000_000;

    public const double MaxRate = 100_000;

    public const int MaxConcurrency = 1_000;

    public const int MaxConnections = 1_000;

    public const int MaxClients = 100_000;

    /// <summary>The highest number <c>--first-client</c> may give the first simulated client.</summary>
    public const int MaxFirstClient = 10_000_000;

    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(60);

    public const int MaxBodyBytes = 1 << 20;

    /// <summary>Requests in flight at once in the open model; past it the schedule waits (and its lateness is measured).</summary>
    public const int MaxInFlight = 10_000;
}
