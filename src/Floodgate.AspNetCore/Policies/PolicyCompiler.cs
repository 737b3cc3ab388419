using System.Diagnostics.CodeAnalysis;

namespace Floodgate.AspNetCore.Policies;

/// <summary>Turns configured text into policies, with error messages that name the configuration key.</summary>
internal static class PolicyCompiler
{
    private static readonly char[] Separators = [';'];

    public static bool TryParseLimits(string? text, RateLimitAlgorithm? algorithm, long? burst, RateLimitAlgorithm defaultAlgorithm, [NotNullWhen(true)] out RateLimit[]? limits, out string error)
    {
        limits = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "a limit is required, e.g. \"100/minute\" or \"100/minute;1000/hour\"";
            return false;
        }

        var parts = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Length > 8)
        {
            error = "between 1 and 8 limits separated by ';' are allowed";
            return false;
        }

        var result = new RateLimit[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            RateLimit parsed;
            try
            {
                parsed = RateLimit.Parse(parts[i]);
            }
            catch (FormatException ex)
            {
                error = ex.Message;
                return false;
            }

            var chosen = algorithm ?? (parsed.Algorithm == RateLimitAlgorithm.SlidingWindowCounter ? defaultAlgorithm : parsed.Algorithm);
            try
            {
                parsed = parsed.WithAlgorithm(chosen);
                if (burst is not null)
                {
                    parsed = parsed.WithBurst(burst);
                }
            }
            catch (ArgumentException ex)
            {
                error = ex.Message;
                return false;
            }

            result[i] = parsed;
        }

        limits = result;
        error = string.Empty;
        return true;
    }

    /// <summary>Compiles a rule; errors start with <paramref name="key"/>, e.g. <c>Floodgate:Rules:2</c> gives <c>Floodgate:Rules:2:Limit</c>.</summary>
    public static RateLimitPolicy? CompileRule(RuleOptions rule, string key, string defaultName, FloodgateOptions options, List<string> errors)
    {
        var ok = true;
        if (!PathPattern.TryParse(rule.Path, out var path, out var pathError))
        {
            errors.Add($"{key}:Path {FloodgateOptionsValidator.Quote(rule.Path)}: {pathError}, e.g. /api/** or /auth/login.");
            ok = false;
        }

        if (rule.Cost < 1)
        {
            errors.Add($"{key}:Cost must be at least 1 (was {rule.Cost}).");
            ok = false;
        }

        if (rule.Algorithm is { } algorithm && !Enum.IsDefined(algorithm))
        {
            errors.Add($"{key}:Algorithm must be one of {string.Join(", ", Enum.GetNames<RateLimitAlgorithm>())}.");
            ok = false;
        }

        if (!Enum.IsDefined(rule.Scope))
        {
            errors.Add($"{key}:Scope must be one of {string.Join(", ", Enum.GetNames<RuleScope>())}.");
            ok = false;
        }

        var limitText = rule.Limit ?? options.DefaultLimit;
        if (!TryParseLimits(limitText, rule.Algorithm, null, options.Algorithm, out var limits, out var limitError))
        {
            errors.Add($"{key}:Limit {FloodgateOptionsValidator.Quote(limitText)}: {limitError}");
            ok = false;
        }
        else if (rule.Burst is { } burst && !TryParseLimits(limitText, rule.Algorithm, burst, options.Algorithm, out limits, out var burstError))
        {
            errors.Add(burst is < 1 or > RateLimit.MaxCount
                ? $"{key}:Burst must be between 1 and {RateLimit.MaxCount} (was {burst})."
                : $"{key}:Burst ({burst}): {burstError}");
            ok = false;
        }
        else if (ok && limits!.Any(l => l.Capacity < rule.Cost))
        {
            errors.Add($"{key}:Cost must be at most {limits!.Min(l => l.Capacity)}, what its limit admits at once (was {rule.Cost}); every request would be denied.");
            ok = false;
        }

        var tiers = CompileTiers(rule.Tiers, $"{key}:Tiers", rule.Algorithm, rule.Burst, options.Algorithm, errors, ref ok);
        ValidateSlowDown(rule.SlowDown, $"{key}:SlowDown", errors, ref ok);

        HashSet<string>? methods = null;
        if (rule.Methods is { Count: > 0 })
        {
            methods = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < rule.Methods.Count; i++)
            {
                var method = rule.Methods[i];
                if (string.IsNullOrWhiteSpace(method) || method.Any(c => !char.IsAsciiLetter(c)))
                {
                    errors.Add($"{key}:Methods:{i} must be an HTTP method, letters only such as GET or POST (was '{method}').");
                    ok = false;
                    continue;
                }

                methods.Add(method.Trim().ToUpperInvariant());
            }
        }

        if (!ok)
        {
            return null;
        }

        return new RateLimitPolicy(string.IsNullOrWhiteSpace(rule.Name) ? defaultName : rule.Name.Trim(), limits!, rule.Cost, rule.Scope, tiers, rule.SlowDown)
        {
            Methods = methods,
            Path = path,
            Sensitive = rule.Sensitive ?? NamesCredential(rule.Path),
        };
    }

    /// <summary>
    /// Whether a path has a segment that names a credential (<c>/auth/login</c>, <c>/oauth/token</c>,
    /// <c>/reset-password</c>, <c>/sign-in</c>): such a rule is sensitive by default. Words are whole: <c>/hotpots</c> is not <c>otp</c>.
    /// </summary>
    public static bool NamesCredential(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (CredentialWords.Contains(segment.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal)))
            {
                return true;
            }

            foreach (var word in segment.Split(WordSeparators, StringSplitOptions.RemoveEmptyEntries))
            {
                if (CredentialWords.Contains(word))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static readonly char[] WordSeparators = ['-', '_', '.'];

    private static readonly HashSet<string> CredentialWords = new(
        ["login", "signin", "logon", "token", "password", "passwd", "otp", "totp", "mfa", "2fa"], StringComparer.OrdinalIgnoreCase);

    public static Dictionary<string, RateLimit[]>? CompileTiers(Dictionary<string, string>? tiers, string key, RateLimitAlgorithm? algorithm, long? burst, RateLimitAlgorithm defaultAlgorithm, List<string> errors, ref bool ok)
    {
        if (tiers is not { Count: > 0 })
        {
            return null;
        }

        var compiled = new Dictionary<string, RateLimit[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (tier, text) in tiers)
        {
            if (TryParseLimits(text, algorithm, burst, defaultAlgorithm, out var limits, out var error))
            {
                compiled[tier] = limits;
            }
            else
            {
                errors.Add($"{key}:{tier} {FloodgateOptionsValidator.Quote(text)}: {error}");
                ok = false;
            }
        }

        return compiled;
    }

    private static void ValidateSlowDown(SlowDownOptions? slowDown, string key, List<string> errors, ref bool ok)
    {
        if (slowDown is not { Enabled: true })
        {
            return;
        }

        if (slowDown.Step <= TimeSpan.Zero || slowDown.Step > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{key}:Step must be between 00:00:00.001 and 00:01:00 (was {slowDown.Step}).");
            ok = false;
        }

        if (slowDown.MaxDelay < slowDown.Step || slowDown.MaxDelay > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{key}:MaxDelay must be between Step and 00:05:00 (was {slowDown.MaxDelay}).");
            ok = false;
        }
    }
}
