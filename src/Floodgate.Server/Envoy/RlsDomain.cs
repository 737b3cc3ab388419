using System.Buffers;
using Envoy.Extensions.Common.RateLimit.V3;
using Google.Protobuf.Collections;

namespace Floodgate.Server.Envoy;

/// <summary>One <c>domain</c> of the configuration: its descriptor tree, and the store keys of its descriptors.</summary>
internal sealed class RlsDomain(string name, string file, RlsDescriptorNode root)
{
    /// <summary>
    /// The store key space of the rate limit service. HTTP keys start with a policy name and <c>|</c> (admin policy ids
    /// cannot contain <c>:</c>), or with <c>endpoint|</c> or <c>slow|</c>; decision API keys with <c>api|</c>: none
    /// starts with <c>rls:</c>, so no other caller can read or spend these counts.
    /// </summary>
    public const string KeyPrefix = "rls:";

    private static readonly SearchValues<char> s_escaped = SearchValues.Create("%|=");

    private readonly string _keyStart = KeyPrefix + Escape(name);

    public string Name { get; } = name;

    /// <summary>The file the domain was read from.</summary>
    public string File { get; } = file;

    public RlsDescriptorNode Root { get; } = root;

    /// <summary>
    /// The limit of a descriptor, as envoyproxy/ratelimit finds it: each entry goes one level deeper (exact value,
    /// then wildcard, then key alone), and the limit counts only when the last entry lands on a node that has one.
    /// </summary>
    /// <param name="entries">The descriptor's entries.</param>
    /// <param name="sharesValue">Whether some entry matched a <c>share_threshold</c> wildcard (see <see cref="Key"/>).</param>
    public RlsLimit? Match(RepeatedField<RateLimitDescriptor.Types.Entry> entries, out bool sharesValue)
    {
        sharesValue = false;
        var node = Root;
        for (var i = 0; i < entries.Count; i++)
        {
            var next = node.Find(entries[i].Key, entries[i].Value);
            if (next is null)
            {
                return null;
            }

            sharesValue |= next.SharedValue is not null;
            if (i == entries.Count - 1)
            {
                return next.Limit;
            }

            if (!next.HasChildren)
            {
                return null;
            }

            node = next;
        }

        return null;
    }

    /// <summary>
    /// The store key of a descriptor: <c>rls:domain|key=value|key=value</c>, each part escaped (<c>%</c>, <c>|</c> and
    /// <c>=</c> as <c>%25</c>, <c>%7C</c>, <c>%3D</c>) so that no two descriptors share a key. A value matched by a
    /// <c>share_threshold</c> wildcard is replaced by the wildcard.
    /// </summary>
    public string Key(RepeatedField<RateLimitDescriptor.Types.Entry> entries, bool sharesValue)
    {
        var length = _keyStart.Length;
        for (var i = 0; i < entries.Count; i++)
        {
            length += 2 + EscapedLength(entries[i].Key) + EscapedLength(sharesValue ? SharedValue(entries, i) : entries[i].Value);
        }

        return string.Create(length, (this, entries, sharesValue), static (span, state) =>
        {
            var (domain, entries, sharesValue) = state;
            domain._keyStart.CopyTo(span);
            var at = domain._keyStart.Length;
            for (var i = 0; i < entries.Count; i++)
            {
                span[at++] = '|';
                at += Write(span[at..], entries[i].Key);
                span[at++] = '=';
                at += Write(span[at..], sharesValue ? domain.SharedValue(entries, i) : entries[i].Value);
            }
        });
    }

    /// <summary>The value that counts for entry <paramref name="index"/>: the <c>share_threshold</c> wildcard it matched, or its own.</summary>
    private string SharedValue(RepeatedField<RateLimitDescriptor.Types.Entry> entries, int index)
    {
        var node = Root;
        for (var i = 0; i <= index; i++)
        {
            node = node.Find(entries[i].Key, entries[i].Value)!;
        }

        return node.SharedValue ?? entries[index].Value;
    }

    private static string Escape(string text) => string.Create(EscapedLength(text), text, static (span, t) => Write(span, t));

    private static int EscapedLength(string text)
    {
        var length = text.Length;
        var rest = text.AsSpan();
        int at;
        while ((at = rest.IndexOfAny(s_escaped)) >= 0)
        {
            length += 2;
            rest = rest[(at + 1)..];
        }

        return length;
    }

    private static int Write(Span<char> destination, string text)
    {
        var rest = text.AsSpan();
        var written = 0;
        int at;
        while ((at = rest.IndexOfAny(s_escaped)) >= 0)
        {
            rest[..at].CopyTo(destination[written..]);
            written += at;
            destination[written++] = '%';
            destination[written++] = rest[at] switch { '%' => '2', '|' => '7', _ => '3' };
            destination[written++] = rest[at] switch { '%' => '5', '|' => 'C', _ => 'D' };
            rest = rest[(at + 1)..];
        }

        rest.CopyTo(destination[written..]);
        return written + rest.Length;
    }
}
