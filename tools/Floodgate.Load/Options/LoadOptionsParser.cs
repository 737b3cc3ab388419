using System.Globalization;
using Floodgate.Load.Engine;
using Floodgate.Load.Scenarios;

namespace Floodgate.Load.Options;

/// <summary>
/// Reads <c>--name value</c> and <c>--name=value</c> into <see cref="LoadOptions"/>, checking each value on its own;
/// rules across values (rate × duration, a rate and a concurrency together) are checked by <see cref="LoadPlan.Create"/>.
/// Every problem is a <see cref="UsageException"/> whose message names the option, the accepted values and what was given.
/// </summary>
internal static class LoadOptionsParser
{
    private static readonly string[] Flags = ["json", "help"];

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var argument = args[i];
            if (argument is "-h" or "-?")
            {
                options.Help = true;
                continue;
            }

            if (!argument.StartsWith("--", StringComparison.Ordinal) || argument.Length == 2)
            {
                throw new UsageException($"Unexpected argument '{argument}': options start with -- (see --help).");
            }

            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? argument[2..equals] : argument[2..];
            string? value = equals > 0 ? argument[(equals + 1)..] : null;
            if (Array.IndexOf(Flags, name) >= 0)
            {
                if (value is not null)
                {
                    throw new UsageException($"--{name} takes no value (was '{value}').");
                }
            }
            else if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"--{name} needs a value (see --help).");
                }

                value = args[++i];
            }

            if (name != "header" && !seen.Add(name))
            {
                throw new UsageException($"--{name} is given twice; give it once.");
            }

            Apply(options, name, value);
        }

        return options;
    }

    private static void Apply(LoadOptions options, string name, string? value)
    {
        switch (name)
        {
            case "help":
                options.Help = true;
                break;
            case "json":
                options.Json = true;
                break;
            case "url":
                options.Url = ParseUrl(value!);
                break;
            case "scenario":
                options.Scenario = Scenario.Find(value!) ?? throw new UsageException(
                    $"--scenario must be one of {string.Join(", ", Scenario.All.Select(s => s.Name))} (was '{value}').");
                break;
            case "rate":
                options.Rate = ParseRate(value!);
                break;
            case "concurrency":
                options.Concurrency = ParseInt(name, value!, 1, LoadLimits.MaxConcurrency, "workers");
                break;
            case "duration":
                options.Duration = ParseDuration(name, value!, LoadLimits.MaxDuration);
                break;
            case "requests":
                options.Requests = ParseInt(name, value!, 1, LoadLimits.MaxRequests, "requests");
                break;
            case "method":
                options.Method = ParseMethod(value!);
                break;
            case "header":
                options.Headers.Add(ParseHeader(value!));
                break;
            case "body":
                if (System.Text.Encoding.UTF8.GetByteCount(value!) > LoadLimits.MaxBodyBytes)
                {
                    throw new UsageException($"--body must be at most {LoadLimits.MaxBodyBytes} bytes.");
                }

                options.Body = value;
                break;
            case "identity":
                options.Identity = value switch
                {
                    "none" => IdentityKind.None,
                    "forwarded" => IdentityKind.Forwarded,
                    "api-key" => IdentityKind.ApiKey,
                    _ => throw new UsageException($"--identity must be one of none, forwarded, api-key (was '{value}')."),
                };
                break;
            case "clients":
                options.Clients = ParseInt(name, value!, 1, LoadLimits.MaxClients, "simulated clients");
                break;
            case "first-client":
                options.FirstClient = ParseInt(name, value!, 0, LoadLimits.MaxFirstClient, "skipped clients");
                break;
            case "connections":
                options.Connections = ParseInt(name, value!, 1, LoadLimits.MaxConnections, "connections");
                break;
            case "timeout":
                options.Timeout = ParseDuration(name, value!, LoadLimits.MaxTimeout);
                break;
            case "report":
                if (string.IsNullOrWhiteSpace(value))
                {
                    throw new UsageException("--report needs a file name, e.g. --report load.html.");
                }

                options.ReportPath = value;
                break;
            default:
                throw new UsageException($"Unknown option --{name} (see --help).");
        }
    }

    internal static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"--url must be an absolute http:// or https:// URL such as http://127.0.0.1:8000/api/data (was '{text}').");
        }

        if (!LoopbackOnly.IsLoopback(url))
        {
            throw new UsageException(
                $"--url must point at this machine: a loopback address (127.0.0.0/8, [::1]) or localhost; '{url.Host}' is not. "
                + "Floodgate.Load never sends traffic anywhere else.");
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            throw new UsageException("--url must not carry a user name or password; use --header Authorization:... instead.");
        }

        return url;
    }

    private static double ParseRate(string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate)
            || !double.IsFinite(rate) || rate <= 0 || rate > LoadLimits.MaxRate)
        {
            throw new UsageException(
                $"--rate must be a number of requests per second above 0 and at most {LoadLimits.MaxRate:0} (was '{text}').");
        }

        return rate;
    }

    private static int ParseInt(string name, string text, int min, long max, string what)
    {
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException(string.Create(
                CultureInfo.InvariantCulture, $"--{name} must be a whole number of {what} from {min} to {max} (was '{text}')."));
        }

        return (int)value;
    }

    private static TimeSpan ParseDuration(string name, string text, TimeSpan max)
    {
        if (!DurationText.TryParse(text, out var duration) || duration <= TimeSpan.Zero)
        {
            throw new UsageException($"--{name} must be a positive time such as 500ms, 30s or 2m (was '{text}').");
        }

        if (duration > max)
        {
            throw new UsageException($"--{name} must be at most {DurationText.Format(max)} (was '{text}').");
        }

        return duration;
    }

    private static string ParseMethod(string text)
    {
        if (text.Length == 0 || text.Length > 16 || !text.All(char.IsAsciiLetter))
        {
            throw new UsageException($"--method must be an HTTP method such as GET or POST (was '{text}').");
        }

        return text.ToUpperInvariant();
    }

    private static KeyValuePair<string, string> ParseHeader(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon > 0 ? text[..colon].Trim() : "";
        if (name.Length == 0 || !name.All(IsTokenChar))
        {
            throw new UsageException($"--header must be Name:Value, e.g. --header \"Accept: application/json\" (was '{text}').");
        }

        if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"--header {name} is set by the tool from --url and --body; leave it out.");
        }

        var value = text[(colon + 1)..].Trim();
        if (value.Contains('\r', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal))
        {
            throw new UsageException($"--header {name} must be one line.");
        }

        return new(name, value);
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
