namespace Floodgate.Replay.Logs;

/// <summary>A line that could not be read, and why.</summary>
/// <param name="Number">The line number, from 1.</param>
/// <param name="Reason">What is wrong with it.</param>
internal sealed record MalformedLine(long Number, string Reason);
