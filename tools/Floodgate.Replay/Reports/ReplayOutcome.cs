using Floodgate.AspNetCore.Replay;
using Floodgate.Replay.Logs;

namespace Floodgate.Replay.Reports;

/// <summary>Everything the command reports: the replay, the log's lines, and how long the replay took.</summary>
internal sealed record ReplayOutcome(
    string Log,
    string Policies,
    string Candidate,
    ReplayReport Report,
    long Lines,
    long MalformedCount,
    IReadOnlyList<MalformedLine> Malformed,
    TimeSpan Elapsed);
