using System.Collections.Frozen;

namespace Floodgate.Server.Envoy;

/// <summary>
/// One level of a domain's descriptor tree: the descriptors below a node, found by key and then by exact value, by
/// wildcard value (first match in file order), or by key alone (any value, each value counted on its own).
/// </summary>
internal sealed class RlsDescriptorNode(RlsLimit? limit, string? sharedValue)
{
    private FrozenDictionary<string, KeyChildren> _children = FrozenDictionary<string, KeyChildren>.Empty;

    /// <summary>The limit of a descriptor that ends here; <see langword="null"/> for a node that only leads deeper.</summary>
    public RlsLimit? Limit { get; } = limit;

    /// <summary>With <c>share_threshold</c>: the wildcard value that stands for every value it matches, so that they share one count.</summary>
    public string? SharedValue { get; } = sharedValue;

    public bool HasChildren => _children.Count > 0;

    public RlsDescriptorNode? Find(string key, string value)
    {
        if (!_children.TryGetValue(key, out var children))
        {
            return null;
        }

        if (children.ByValue.TryGetValue(value, out var exact))
        {
            return exact;
        }

        foreach (var (pattern, node) in children.Wildcards)
        {
            if (pattern.Matches(value))
            {
                return node;
            }
        }

        return children.AnyValue;
    }

    internal void SetChildren(Dictionary<string, KeyChildren> children) => _children = children.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The descriptors below a node that share one key.</summary>
    internal sealed class KeyChildren
    {
        public Dictionary<string, RlsDescriptorNode> ByValue { get; } = new(StringComparer.Ordinal);

        public List<(WildcardPattern Pattern, RlsDescriptorNode Node)> Wildcards { get; } = [];

        public RlsDescriptorNode? AnyValue { get; set; }
    }
}
