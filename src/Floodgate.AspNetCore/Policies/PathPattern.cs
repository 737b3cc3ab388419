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

    private PathPattern(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    public string Pattern { get; }

    public bool IsMatch(string path) => _regex.IsMatch(path);

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
        result = new PathPattern(pattern, new Regex(regex.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
        error = string.Empty;
        return true;
    }
}
