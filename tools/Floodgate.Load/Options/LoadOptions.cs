using Floodgate.Load.Scenarios;

namespace Floodgate.Load.Options;

/// <summary>The command line as given; null where it was left out, so that the scenario's default applies.</summary>
internal sealed class LoadOptions
{
    public bool Help { get; set; }

    public Uri? Url { get; set; }

    public Scenario? Scenario { get; set; }

    public double? Rate { get; set; }

    public int? Concurrency { get; set; }

    public TimeSpan? Duration { get; set; }

    public long? Requests { get; set; }

    public string? Method { get; set; }

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    public string? Body { get; set; }

    public IdentityKind? Identity { get; set; }

    public int? Clients { get; set; }

    /// <summary>The number of the first simulated client (<c>--first-client</c>): client n is sent as client FirstClient + n.</summary>
    public int FirstClient { get; set; }

    public int? Connections { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool Json { get; set; }

    public string? ReportPath { get; set; }
}
