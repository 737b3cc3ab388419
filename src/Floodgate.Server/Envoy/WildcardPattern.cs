namespace Floodgate.Server.Envoy;

/// <summary>A descriptor value with <c>*</c> standing for any run of characters, as envoyproxy/ratelimit matches them: <c>/api/*</c>, <c>*.png</c>, <c>a*b*c</c>.</summary>
internal sealed class WildcardPattern
{
    private readonly string[] _parts;

    public WildcardPattern(string pattern)
    {
        Text = pattern;
        _parts = pattern.Split('*');
        MinimumLength = pattern.Length - (_parts.Length - 1);
    }

    public string Text { get; }

    private int MinimumLength { get; }

    public static bool IsWildcard(string value) => value.Contains('*', StringComparison.Ordinal);

    public bool Matches(string value)
    {
        var first = _parts[0];
        var last = _parts[^1];
        if (value.Length < MinimumLength || !value.StartsWith(first, StringComparison.Ordinal) || !value.EndsWith(last, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = value.AsSpan(first.Length, value.Length - first.Length - last.Length);
        for (var i = 1; i < _parts.Length - 1; i++)
        {
            var at = rest.IndexOf(_parts[i], StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + _parts[i].Length)..];
        }

        return true;
    }
}
