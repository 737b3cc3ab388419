namespace Floodgate.Algorithms;

/// <summary>
/// The state one key keeps for one limit. <c>default</c> is the fresh state for every algorithm, so a store
/// creates it without knowing the algorithm. Each algorithm uses the fields it documents; the rest stay zero.
/// </summary>
internal struct AlgorithmState
{
    /// <summary>Fixed window and sliding counter: start of the current window. Token bucket: time of <see cref="Spent"/>. GCRA: theoretical arrival time. Microseconds since the Unix epoch.</summary>
    public long Stamp;

    /// <summary>Fixed window and sliding counter: units counted in the window that starts at <see cref="Stamp"/>.</summary>
    public long Count;

    /// <summary>Sliding counter: units counted in the window before <see cref="Stamp"/>.</summary>
    public long Previous;

    /// <summary>
    /// Token bucket: tokens spent as of <see cref="Stamp"/>, multiplied by the window in microseconds so that refills are
    /// whole numbers (0 = a full bucket, so the fresh state is a full bucket).
    /// </summary>
    public double Spent;

    /// <summary>Sliding log: ring buffer of admission times, oldest at <see cref="LogHead"/>.</summary>
    public long[]? Log;

    public int LogHead;

    public int LogCount;
}
