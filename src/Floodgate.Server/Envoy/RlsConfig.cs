using System.Collections.Frozen;

namespace Floodgate.Server.Envoy;

/// <summary>A loaded configuration: its domains, each from one file. Immutable; a reload builds a new one.</summary>
internal sealed class RlsConfig(FrozenDictionary<string, RlsDomain> domains, IReadOnlyList<RlsConfigFile> sources)
{
    public FrozenDictionary<string, RlsDomain> Domains { get; } = domains;

    /// <summary>The files read, in order, with the text they had.</summary>
    public IReadOnlyList<RlsConfigFile> Sources { get; } = sources;

    public RlsDomain? FindDomain(string domain) => Domains.GetValueOrDefault(domain);

    /// <summary>Whether <paramref name="sources"/> are the same files with the same text as this configuration's.</summary>
    public bool IsReadFrom(IReadOnlyList<RlsConfigFile> sources) => Sources.SequenceEqual(sources);
}
