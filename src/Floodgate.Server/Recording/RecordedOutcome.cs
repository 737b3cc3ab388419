namespace Floodgate.Server.Recording;

/// <summary>What the limiter decided for a recorded request, in one byte.</summary>
internal enum RecordedOutcome : byte
{
    /// <summary>Admitted.</summary>
    Allowed = 0,

    /// <summary>Denied by a limit and answered with the rejection.</summary>
    Denied = 1,

    /// <summary>Denied by a limit but let through (shadow mode, slow-down).</summary>
    LetThrough = 2,

    /// <summary>Refused for a ban in force.</summary>
    Banned = 3,

    /// <summary>Refused for another reason: its cost exceeds the limit, the circuit is open, the store is away.</summary>
    Refused = 4,
}
