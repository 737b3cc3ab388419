namespace Floodgate.Replay.Logs;

/// <summary>How the lines of an access log are written.</summary>
internal enum LogFormat
{
    /// <summary>Each line by its look: a line that starts with <c>{</c> is JSON, any other the combined format.</summary>
    Auto,

    /// <summary>nginx's and Apache's combined (or common) log format.</summary>
    Combined,

    /// <summary>One JSON object per line.</summary>
    Json,
}
