namespace Floodgate.AspNetCore;

/// <summary>
/// Slow-down mode of a rule: past the limit, requests are delayed instead of rejected. The delay grows by
/// <see cref="Step"/> with each request over the limit in the current window, up to <see cref="MaxDelay"/>,
/// and is awaited on the <see cref="TimeProvider"/> without holding a thread.
/// </summary>
public sealed class SlowDownOptions
{
    /// <summary>Whether the rule slows down instead of rejecting. Default <see langword="false"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>Added delay per request over the limit. Default 0.5 s.</summary>
    public TimeSpan Step { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest delay. Default 5 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(5);
}
