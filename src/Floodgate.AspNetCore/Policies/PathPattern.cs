using System.Text;
using System.Text.RegularExpressions;

namespace Floodgate.AspNetCore.Policies;

/// <summary>
/// A path pattern: literal segments, <c>*</c> for exactly one segment (or part of one, as in <c>/files/*.txt</c>),
/// <c>**</c> for any number of segments. Case-insensitive; a trailing slash is ignored. Matched by a
/// non-backtracking regular expression, so no path can make matching slow.
/// </summary>
internal sealed class PathPattern
{
    private readonly Regex _regex;

    /// <summary>The body of a pattern without wildcards, when it is all ASCII; null otherwise.</summary>
    private readonly string? _literal;

    private PathPattern(string pattern, Regex regex, string? literal)
    {
        Pattern = pattern;
        _regex = regex;
        _literal = literal;
    }

    public string Pattern { get; }

    /// <summary>
    /// Whether <paramref name="path"/> matches. A wildcard-free ASCII pattern (such as the health paths checked on
    /// every request) against an ASCII path is compared directly, with exactly the regular expression's meaning:
    /// ASCII case-insensitive, then an optional '/', then the end or a final line feed (what <c>$</c> accepts).
    /// </summary>
    public bool IsMatch(string path)
    {
        if (_literal is null || !Ascii.IsValid(path))
        {
            return _regex.IsMatch(path);
        }

        if (path.Length < _literal.Length || !Ascii.EqualsIgnoreCase(path.AsSpan(0, _literal.Length), _literal))
        {
            return false;
        }

        var rest = path.AsSpan(_literal.Length);
        if (!rest.IsEmpty && rest[0] == '/')
        {
            rest = rest[1..];
        }

        return rest.IsEmpty || rest is "\n";
    }

    public static bool TryParse(string? pattern, out PathPattern? result, out string error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(pattern))
        {
            error = "a path pattern is required";
            return false;
        }

        pattern = pattern.Trim();
        if (pattern[0] != '/')
        {
            error = $"'{pattern}' must start with '/'";
            return false;
        }

        if (pattern.Length > 1024)
        {
            error = "a path pattern is at most 1024 characters";
            return false;
        }

        var regex = new StringBuilder("^");
        var body = pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == '*' && i + 1 < body.Length && body[i + 1] == '*')
            {
                // "/**" at the end also matches the bare prefix: "/api/**" matches "/api".
                if (i > 0 && body[i - 1] == '/' && i + 2 == body.Length)
                {
                    regex.Length--; // drop the escaped '/'
                    regex.Append("(/.*)?");
                }
                else
                {
                    regex.Append(".*");
                }

                i++;
            }
            else if (body[i] == '*')
            {
                regex.Append("[^/]*");
            }
            else
            {
                regex.Append(Regex.Escape(body[i].ToString()));
            }
        }

        regex.Append("/?$");
        var literal = !body.Contains('*', StringComparison.Ordinal) && Ascii.IsValid(body) ? body : null;
        result = new PathPattern(pattern, new Regex(regex.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking), literal);
        error = string.Empty;
        return true;
    }
}
