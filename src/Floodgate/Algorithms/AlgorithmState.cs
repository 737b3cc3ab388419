namespace Floodgate.Algorithms;

/// <summary>
/// The state one key keeps for one limit. <c>default</c> is the fresh state for every algorithm, so a store
/// creates it without knowing the algorithm. Each algorithm uses the fields it documents; the rest stay zero.
/// Public so that a store of one's own, or a replay, can keep state and decide with
/// <see cref="RateLimitAlgorithms.Decide"/> exactly as the in-memory store does; pass it by reference.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1051", Justification = "Decided in place by reference on the hot path: fields, not properties.")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1815", Justification = "State, never compared.")]
public struct AlgorithmState
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
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1819", Justification = "The ring buffer itself, owned by this state.")]
    public long[]? Log;

    /// <summary>Sliding log: index of the oldest admission in <see cref="Log"/>.</summary>
    public int LogHead;

    /// <summary>Sliding log: admissions held in <see cref="Log"/>.</summary>
    public int LogCount;
}
