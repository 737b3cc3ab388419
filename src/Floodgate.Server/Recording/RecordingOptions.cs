namespace Floodgate.Server.Recording;

/// <summary>Section <c>Floodgate:Recording</c>: how much of the recent traffic the service keeps for replays.</summary>
public sealed class RecordingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Floodgate:Recording";

    /// <summary>Whether limited requests are recorded at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How far back the record reaches; older requests are forgotten.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The most requests kept, whatever the window: the memory cap (about 24 bytes a request, plus each distinct string once a block).</summary>
    public int MaxRequests { get; set; } = 1_000_000;

    /// <summary>With Redis, how long a replay waits for the other instances' records.</summary>
    public TimeSpan GatherTimeout { get; set; } = TimeSpan.FromSeconds(2);

    internal static IEnumerable<string> Validate(RecordingOptions options)
    {
        if (options.Window < TimeSpan.FromSeconds(1) || options.Window > TimeSpan.FromDays(1))
        {
            yield return $"{SectionName}:Window must be between 00:00:01 and 1.00:00:00 (was {options.Window}).";
        }

        if (options.MaxRequests is < RecordingBlock.Size or > 100_000_000)
        {
            yield return $"{SectionName}:MaxRequests must be between {RecordingBlock.Size} and 100000000 (was {options.MaxRequests}).";
        }

        if (options.GatherTimeout < TimeSpan.FromMilliseconds(100) || options.GatherTimeout > TimeSpan.FromMinutes(1))
        {
            yield return $"{SectionName}:GatherTimeout must be between 00:00:00.1 and 00:01:00 (was {options.GatherTimeout}).";
        }
    }
}
