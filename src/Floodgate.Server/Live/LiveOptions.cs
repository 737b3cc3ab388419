using Microsoft.Extensions.Options;

namespace Floodgate.Server.Live;

/// <summary>Section <c>Floodgate:Live</c>: how much of the traffic becomes events, and how much a listener may lag.</summary>
public sealed class LiveOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Floodgate:Live";

    /// <summary>Allowed requests that become events, per instance per second (0: none). The stats count them all.</summary>
    public int AllowedEventsPerSecond { get; set; } = 10;

    /// <summary>Denied requests that become events, per instance per second (0: none). The stats count them all.</summary>
    public int DeniedEventsPerSecond { get; set; } = 100;

    /// <summary>Events queued per connection before that connection drops events.</summary>
    public int QueueSize { get; set; } = 1000;

    /// <summary>Connected streams per instance; past it, new ones are answered 503.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>This instance's name in events; the machine name and process id when empty.</summary>
    public string? Instance { get; set; }

    internal static IEnumerable<string> Validate(LiveOptions options)
    {
        if (options.AllowedEventsPerSecond is < 0 or > 1_000_000)
        {
            yield return $"{SectionName}:AllowedEventsPerSecond must be between 0 and 1000000 (was {options.AllowedEventsPerSecond}).";
        }

        if (options.DeniedEventsPerSecond is < 0 or > 1_000_000)
        {
            yield return $"{SectionName}:DeniedEventsPerSecond must be between 0 and 1000000 (was {options.DeniedEventsPerSecond}).";
        }

        if (options.QueueSize is < 1 or > 1_000_000)
        {
            yield return $"{SectionName}:QueueSize must be between 1 and 1000000 (was {options.QueueSize}).";
        }

        if (options.MaxConnections is < 1 or > 1_000_000)
        {
            yield return $"{SectionName}:MaxConnections must be between 1 and 1000000 (was {options.MaxConnections}).";
        }

        if (options.Instance is { Length: > 128 })
        {
            yield return $"{SectionName}:Instance must be at most 128 characters.";
        }
    }
}
