using System.Collections.Frozen;

namespace Floodgate.Server.Envoy;

/// <summary>A loaded configuration: its domains, each from one file. Immutable; a reload builds a new one.</summary>
internal sealed class RlsConfig(FrozenDictionary<string, RlsDomain> domains, IReadOnlyList<string> files)
{
    public FrozenDictionary<string, RlsDomain> Domains { get; } = domains;

    /// <summary>The files read, in order.</summary>
    public IReadOnlyList<string> Files { get; } = files;

    public RlsDomain? FindDomain(string domain) => Domains.GetValueOrDefault(domain);
}
