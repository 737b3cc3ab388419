using System.Collections.Frozen;
using System.Globalization;
using Envoy.Service.RateLimit.V3;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Floodgate.Server.Envoy;

/// <summary>
/// Reads envoyproxy/ratelimit's YAML configuration (one <c>domain</c> per file, nested <c>descriptors</c> with
/// <c>key</c>, <c>value</c>, <c>rate_limit</c>, <c>shadow_mode</c>...) plus Floodgate's one extension, an optional
/// <c>algorithm</c> per <c>rate_limit</c>. Every error names the file and the line.
/// </summary>
internal static class RlsConfigParser
{
    private static readonly FrozenSet<string> s_rootKeys = FrozenSet.Create(StringComparer.Ordinal, "domain", "descriptors");
    private static readonly FrozenSet<string> s_descriptorKeys = FrozenSet.Create(
        StringComparer.Ordinal, "key", "value", "rate_limit", "descriptors", "shadow_mode", "detailed_metric", "value_to_metric", "share_threshold");
    private static readonly FrozenSet<string> s_rateLimitKeys = FrozenSet.Create(StringComparer.Ordinal, "unit", "requests_per_unit", "unlimited", "name", "replaces", "algorithm");
    private static readonly FrozenSet<string> s_unsupported = FrozenSet.Create(StringComparer.Ordinal, "quota_mode", "metadata");

    /// <summary>Reads and parses the files (and the <c>*.yaml</c>/<c>*.yml</c> files of the directories) of <paramref name="paths"/>.</summary>
    /// <exception cref="RlsConfigException">A file cannot be read or is not a valid configuration.</exception>
    public static RlsConfig Load(IReadOnlyList<string> paths) => Build(Read(paths));

    /// <summary>The text of every configuration file of <paramref name="paths"/>, in order.</summary>
    /// <exception cref="RlsConfigException">A path or file cannot be read.</exception>
    public static List<RlsConfigFile> Read(IReadOnlyList<string> paths)
    {
        var sources = new List<RlsConfigFile>();
        foreach (var file in Files(paths))
        {
            try
            {
                sources.Add(new RlsConfigFile(file, File.ReadAllText(file)));
            }
            catch (IOException e)
            {
                throw new RlsConfigException(file, 0, e.Message, e);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new RlsConfigException(file, 0, e.Message, e);
            }
        }

        return sources;
    }

    /// <summary>Parses the files read by <see cref="Read"/> into one configuration.</summary>
    /// <exception cref="RlsConfigException">A file is not a valid configuration, or two files have one domain.</exception>
    public static RlsConfig Build(List<RlsConfigFile> sources)
    {
        var domains = new Dictionary<string, RlsDomain>(StringComparer.Ordinal);
        foreach (var (file, text) in sources)
        {
            var domain = Parse(file, text, out var domainLine);
            if (!domains.TryAdd(domain.Name, domain))
            {
                throw new RlsConfigException(file, domainLine, $"duplicate domain '{domain.Name}' (also in {domains[domain.Name].File})");
            }
        }

        return new RlsConfig(domains.ToFrozenDictionary(StringComparer.Ordinal), sources);
    }

    /// <summary>The configuration files: each path that is a file, and the YAML files of each path that is a directory, in name order.</summary>
    public static List<string> Files(IReadOnlyList<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                var found = Directory.EnumerateFiles(full)
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal);
                files.AddRange(found);
            }
            else if (File.Exists(full))
            {
                files.Add(full);
            }
            else
            {
                throw new RlsConfigException(full, 0, "no such file or directory");
            }
        }

        return files;
    }

    /// <summary>Parses one file's text into its domain.</summary>
    public static RlsDomain Parse(string file, string text, out long domainLine)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new RlsConfigException(file, e.Start.Line, "not valid YAML: " + (e.InnerException?.Message ?? e.Message), e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new RlsConfigException(file, stream.Documents.Count == 0 ? 1 : stream.Documents[0].RootNode.Start.Line, "a configuration is a mapping with a non-empty 'domain'");
        }

        if (stream.Documents.Count > 1)
        {
            throw new RlsConfigException(file, stream.Documents[1].RootNode.Start.Line, "one configuration (one YAML document) per file");
        }

        var reader = new Reader(file);
        reader.CheckKeys(root, s_rootKeys);
        var domainNode = reader.Scalar(root, "domain");
        var domain = domainNode?.Value ?? "";
        domainLine = domainNode?.Start.Line ?? root.Start.Line;
        if (domain.Length == 0)
        {
            throw new RlsConfigException(file, domainLine, "config file cannot have empty domain");
        }

        var top = new RlsDescriptorNode(null, null);
        reader.Descriptors(top, domain, reader.Sequence(root, "descriptors"));
        return new RlsDomain(domain, file, top);
    }

    private sealed class Reader(string file)
    {
        public void Descriptors(RlsDescriptorNode parent, string parentPath, YamlSequenceNode? descriptors)
        {
            var children = new Dictionary<string, RlsDescriptorNode.KeyChildren>(StringComparer.Ordinal);
            foreach (var item in descriptors?.Children ?? [])
            {
                if (item is not YamlMappingNode descriptor)
                {
                    throw Error(item, "a descriptor is a mapping with 'key', optional 'value', 'rate_limit' and 'descriptors'");
                }

                CheckKeys(descriptor, s_descriptorKeys);
                var key = Scalar(descriptor, "key")?.Value ?? "";
                if (key.Length == 0)
                {
                    throw Error(descriptor, "descriptor has empty key");
                }

                var value = Scalar(descriptor, "value")?.Value ?? "";
                var composite = value.Length == 0 ? key : key + "_" + value;
                var path = parentPath + "." + composite;
                var shadowMode = Bool(descriptor, "shadow_mode");
                var shareThreshold = Bool(descriptor, "share_threshold");
                var wildcard = WildcardPattern.IsWildcard(value);
                if (shareThreshold && !wildcard)
                {
                    throw Error(Scalar(descriptor, "share_threshold")!, $"share_threshold can only be used with wildcard values (containing '*'), but found key '{composite}'");
                }

                var limit = descriptor.Children.TryGetValue(new YamlScalarNode("rate_limit"), out var rateLimit)
                    ? RateLimit(rateLimit, path, shadowMode)
                    : null;
                var node = new RlsDescriptorNode(limit, shareThreshold ? value : null);
                Descriptors(node, path, Sequence(descriptor, "descriptors"));

                if (!children.TryGetValue(key, out var byKey))
                {
                    children[key] = byKey = new RlsDescriptorNode.KeyChildren();
                }

                var duplicate = value.Length == 0
                    ? byKey.AnyValue is not null
                    : !byKey.ByValue.TryAdd(value, node);
                if (duplicate)
                {
                    throw Error(descriptor, $"duplicate descriptor composite key '{path}'");
                }

                if (value.Length == 0)
                {
                    byKey.AnyValue = node;
                }
                else if (wildcard)
                {
                    byKey.Wildcards.Add((new WildcardPattern(value), node));
                }
            }

            parent.SetChildren(children);
        }

        private RlsLimit RateLimit(YamlNode node, string path, bool shadowMode)
        {
            if (node is not YamlMappingNode rateLimit)
            {
                throw Error(node, "rate_limit is a mapping with 'unit' and 'requests_per_unit' (or 'unlimited: true')");
            }

            CheckKeys(rateLimit, s_rateLimitKeys);
            var name = Scalar(rateLimit, "name")?.Value ?? "";
            var replaces = new List<string>();
            foreach (var item in Sequence(rateLimit, "replaces")?.Children ?? [])
            {
                var replaced = item is YamlMappingNode entry ? Scalar(entry, "name")?.Value ?? "" : "";
                if (item is YamlMappingNode map)
                {
                    CheckKeys(map, FrozenSet.Create(StringComparer.Ordinal, "name"));
                }

                if (replaced.Length == 0)
                {
                    throw Error(item, "should not have an empty replaces entry");
                }

                if (replaced == name)
                {
                    throw Error(item, "replaces should not contain name of same descriptor");
                }

                replaces.Add(replaced);
            }

            var unitNode = Scalar(rateLimit, "unit");
            var unitText = unitNode?.Value ?? "";
            var validUnit = Enum.TryParse<RateLimitResponse.Types.RateLimit.Types.Unit>(unitText, ignoreCase: true, out var unit)
                && unit != RateLimitResponse.Types.RateLimit.Types.Unit.Unknown
                && unitText.All(char.IsAsciiLetter);
            if (Bool(rateLimit, "unlimited"))
            {
                if (validUnit)
                {
                    throw Error(unitNode!, "should not specify rate limit unit when unlimited");
                }

                return RlsLimit.NoLimit(path, name, shadowMode, [.. replaces]);
            }

            if (!validUnit)
            {
                throw Error(unitNode ?? node, $"invalid rate limit unit '{unitText}' (second, minute, hour, day, week, month or year)");
            }

            uint requestsPerUnit = 0;
            if (Scalar(rateLimit, "requests_per_unit") is { } perUnit
                && (!uint.TryParse(perUnit.Value, NumberStyles.None, CultureInfo.InvariantCulture, out requestsPerUnit) || requestsPerUnit > RlsLimit.MaxRequestsPerUnit))
            {
                throw Error(perUnit, $"requests_per_unit must be a whole number from 0 to {RlsLimit.MaxRequestsPerUnit} (was '{perUnit.Value}')");
            }

            var algorithm = RateLimitAlgorithm.FixedWindow;
            if (Scalar(rateLimit, "algorithm") is { } algorithmNode && !TryAlgorithm(algorithmNode.Value ?? "", out algorithm))
            {
                throw Error(algorithmNode, $"unknown algorithm '{algorithmNode.Value}' (fixed_window, sliding_window_counter, sliding_window_log, token_bucket or gcra)");
            }

            return RlsLimit.Counted(path, requestsPerUnit, unit, name, shadowMode, [.. replaces], algorithm);
        }

        /// <summary><c>token_bucket</c>, <c>TokenBucket</c> and <c>token-bucket</c> all name <see cref="RateLimitAlgorithm.TokenBucket"/>.</summary>
        private static bool TryAlgorithm(string text, out RateLimitAlgorithm algorithm)
        {
            var name = text.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
            algorithm = RateLimitAlgorithm.FixedWindow;
            return name.Length > 0 && name.All(char.IsAsciiLetter) && Enum.TryParse(name, ignoreCase: true, out algorithm);
        }

        public void CheckKeys(YamlMappingNode mapping, FrozenSet<string> allowed)
        {
            foreach (var (keyNode, _) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value;
                if (key is null || !allowed.Contains(key))
                {
                    throw Error(keyNode, s_unsupported.Contains(key ?? "")
                        ? $"'{key}' is not supported by Floodgate"
                        : $"config error, unknown key '{key}' (expected {string.Join(", ", allowed.Order(StringComparer.Ordinal))})");
                }
            }
        }

        public YamlScalarNode? Scalar(YamlMappingNode mapping, string key)
        {
            if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                return null;
            }

            return node as YamlScalarNode ?? throw Error(node, $"'{key}' must be a single value");
        }

        public YamlSequenceNode? Sequence(YamlMappingNode mapping, string key)
        {
            if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                return null;
            }

            if (node is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                return null;
            }

            return node as YamlSequenceNode ?? throw Error(node, $"'{key}' must be a list");
        }

        private bool Bool(YamlMappingNode mapping, string key)
        {
            var node = Scalar(mapping, key);
            return node?.Value?.ToUpperInvariant() switch
            {
                null or "" or "FALSE" or "NO" or "OFF" => false,
                "TRUE" or "YES" or "ON" => true,
                _ => throw Error(node!, $"'{key}' must be true or false (was '{node!.Value}')"),
            };
        }

        private RlsConfigException Error(YamlNode node, string problem) => new(file, node.Start.Line, problem);
    }
}
