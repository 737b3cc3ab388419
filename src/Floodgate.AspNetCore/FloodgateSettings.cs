using System.Net;
using Floodgate.AspNetCore.Identification;
using Floodgate.AspNetCore.Policies;
using Floodgate.Layers;

namespace Floodgate.AspNetCore;

/// <summary>
/// The options compiled: parsed limits, policies, matchers, the identifier. Immutable and rebuilt on every reload; what
/// must outlive a reload (the circuit breaker, caches) is <see cref="FloodgateRuntime"/>.
/// </summary>
internal sealed class FloodgateSettings
{
    private FloodgateSettings(FloodgateOptions options)
    {
        Options = options;
    }

    public FloodgateOptions Options { get; }

    public RateLimitPolicy DefaultPolicy { get; private set; } = null!;

    public RateLimitPolicy[] Rules { get; private set; } = [];

    public PathPattern[] Exempt { get; private set; } = [];

    public RateLimit? EndpointLimit { get; private set; }

    public RateLimit? GlobalLimit { get; private set; }

    /// <summary>The circuit breaker's threshold; the breaker itself is runtime state (<see cref="FloodgateRuntime"/>) and outlives a reload.</summary>
    public RateLimit? BreakerThreshold { get; private set; }

    public ClientIdentifier Identifier { get; private set; } = null!;

    public ClientAddressResolver Addresses { get; private set; } = null!;

    public int StatusCode => Options.StatusCode;

    public HeaderMode Headers => Options.Headers;

    public bool ShadowMode => Options.ShadowMode;

    public DefenseMode DefenseMode => Options.Global.CircuitBreaker.Mode;

    public bool IsExempt(string path)
    {
        foreach (var pattern in Exempt)
        {
            if (pattern.IsMatch(path))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The policy called <paramref name="name"/> (a rule's name or <c>default</c>), or null.</summary>
    public RateLimitPolicy? FindPolicy(string name)
    {
        if (name == DefaultPolicy.Name)
        {
            return DefaultPolicy;
        }

        foreach (var rule in Rules)
        {
            if (rule.Name == name)
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>The first configured rule matching the request, or the default policy.</summary>
    public RateLimitPolicy MatchRule(string method, string path)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(method, path))
            {
                return rule;
            }
        }

        return DefaultPolicy;
    }

    /// <summary>Compiles <paramref name="options"/>; returns null and fills <paramref name="errors"/> (each naming its key) when a limit, rule or pattern does not compile.</summary>
    public static FloodgateSettings? Build(FloodgateOptions options, List<string> errors) =>
        Build(options, [], errors, []);

    /// <summary>
    /// Compiles <paramref name="options"/> with <paramref name="dynamicRules"/> (rules from an <see cref="IRateLimitRuleSource"/>,
    /// such as policies an operator created at run time) ahead of the configured rules. A dynamic rule that does not
    /// compile is left out and reported in <paramref name="dynamicErrors"/>; it never invalidates the settings.
    /// The options' plain values are checked by <see cref="FloodgateOptionsValidator"/>; this compiles what has a notation.
    /// </summary>
    public static FloodgateSettings? Build(FloodgateOptions options, IReadOnlyList<RuleOptions> dynamicRules, List<string> errors, List<string> dynamicErrors)
    {
        var settings = new FloodgateSettings(options);
        var ok = true;

        if (PolicyCompiler.TryParseLimits(options.DefaultLimit, null, null, options.Algorithm, out var defaults, out var error))
        {
            var tiers = PolicyCompiler.CompileTiers(options.Tiers.Limits, "Floodgate:Tiers:Limits", null, null, options.Algorithm, errors, ref ok);
            settings.DefaultPolicy = new RateLimitPolicy("default", defaults, 1, RuleScope.Client, tiers, null);
        }
        else
        {
            errors.Add($"Floodgate:DefaultLimit {FloodgateOptionsValidator.Quote(options.DefaultLimit)}: {error}");
            ok = false;
        }

        var rules = new List<RateLimitPolicy>();
        var names = new HashSet<string>(StringComparer.Ordinal) { "default" };
        foreach (var dynamic in dynamicRules)
        {
            var key = $"policy '{dynamic.Name}'";
            if (PolicyCompiler.CompileRule(dynamic, key, dynamic.Name ?? "policy", options, dynamicErrors) is { } compiled)
            {
                if (names.Add(compiled.Name))
                {
                    rules.Add(compiled);
                }
                else
                {
                    dynamicErrors.Add($"{key}: the name is used twice.");
                }
            }
        }

        for (var i = 0; i < options.Rules.Count; i++)
        {
            if (PolicyCompiler.CompileRule(options.Rules[i], $"Floodgate:Rules:{i}", $"rule-{i}", options, errors) is { } rule)
            {
                if (!names.Add(rule.Name))
                {
                    errors.Add($"Floodgate:Rules:{i}:Name '{rule.Name}' is used twice; names must be unique.");
                    ok = false;
                }

                rules.Add(rule);
            }
            else
            {
                ok = false;
            }
        }

        settings.Rules = [.. rules];

        var exempt = new List<PathPattern>();
        var exemptPaths = options.ExemptHealthEndpoints ? [.. FloodgateOptions.HealthPaths, .. options.Exempt] : options.Exempt;
        for (var i = 0; i < exemptPaths.Count; i++)
        {
            if (PathPattern.TryParse(exemptPaths[i], out var pattern, out var patternError))
            {
                exempt.Add(pattern!);
            }
            else
            {
                errors.Add($"Floodgate:Exempt:{i - (exemptPaths.Count - options.Exempt.Count)} {FloodgateOptionsValidator.Quote(exemptPaths[i])}: {patternError}.");
                ok = false;
            }
        }

        settings.Exempt = [.. exempt];
        settings.EndpointLimit = OptionalLimit(options.Endpoint.Limit, "Floodgate:Endpoint:Limit", options.Algorithm, errors, ref ok);
        settings.GlobalLimit = OptionalLimit(options.Global.Limit, "Floodgate:Global:Limit", options.Algorithm, errors, ref ok);
        settings.BreakerThreshold = OptionalLimit(options.Global.CircuitBreaker.Threshold, "Floodgate:Global:CircuitBreaker:Threshold", RateLimitAlgorithm.FixedWindow, errors, ref ok);

        var networks = new List<IPNetwork>();
        var proxies = options.ForwardedHeaders.TrustedProxies;
        for (var i = 0; i < proxies.Count; i++)
        {
            var text = proxies[i]?.Trim();
            if (TryParseNetwork(text, out var network))
            {
                networks.Add(network);
            }
            else
            {
                errors.Add($"Floodgate:ForwardedHeaders:TrustedProxies:{i} '{text}' is not an IP address or CIDR range (e.g. 10.0.0.0/8, 127.0.0.1, ::1).");
                ok = false;
            }
        }

        settings.Addresses = new ClientAddressResolver(networks, Math.Clamp(options.ForwardedHeaders.MaxEntries, 1, 100));
        settings.Identifier = new ClientIdentifier(options.Identification, settings.Addresses);
        return ok ? settings : null;
    }

    internal static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (!text.Contains('/'))
        {
            if (!IPAddress.TryParse(text, out var address))
            {
                return false;
            }

            address = ClientAddressResolver.Normalize(address)!;
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return IPNetwork.TryParse(text, out network);
    }

    private static RateLimit? OptionalLimit(string? text, string key, RateLimitAlgorithm algorithm, List<string> errors, ref bool ok)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (PolicyCompiler.TryParseLimits(text, null, null, algorithm, out var limits, out var error) && limits.Length == 1)
        {
            return limits[0];
        }

        errors.Add($"{key} {FloodgateOptionsValidator.Quote(text)}: {(error.Length > 0 ? error : "exactly one limit is allowed here, e.g. \"1000/second\"")}");
        ok = false;
        return null;
    }
}
