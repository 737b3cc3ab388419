using System.Net;
using Floodgate.AspNetCore.Identification;
using Floodgate.AspNetCore.Policies;
using Floodgate.Layers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Floodgate.AspNetCore;

/// <summary>The options compiled once: parsed limits, matchers, the identifier, the breaker. Rebuilt on reload.</summary>
internal sealed class FloodgateSettings
{
    private static readonly string[] StatusCodes = ["420", "429", "503"];

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

    public CircuitBreaker? Breaker { get; private set; }

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

    /// <summary>Compiles <paramref name="options"/>; returns null and fills <paramref name="errors"/> (each naming its key) when invalid.</summary>
    public static FloodgateSettings? Build(FloodgateOptions options, TimeProvider timeProvider, List<string> errors) =>
        Build(options, [], timeProvider, errors, []);

    /// <summary>
    /// Compiles <paramref name="options"/> with <paramref name="dynamicRules"/> (rules from an <see cref="IRateLimitRuleSource"/>,
    /// such as policies an operator created at run time) ahead of the configured rules. A dynamic rule that does not
    /// compile is left out and reported in <paramref name="dynamicErrors"/>; it never invalidates the settings.
    /// </summary>
    public static FloodgateSettings? Build(FloodgateOptions options, IReadOnlyList<RuleOptions> dynamicRules, TimeProvider timeProvider, List<string> errors, List<string> dynamicErrors)
    {
        var settings = new FloodgateSettings(options);
        var ok = true;

        if (!Enum.IsDefined(options.Algorithm))
        {
            errors.Add($"Floodgate:Algorithm must be one of {Names<RateLimitAlgorithm>()}.");
            ok = false;
        }

        if (options.StatusCode is not (420 or 429 or 503))
        {
            errors.Add($"Floodgate:StatusCode must be one of {string.Join(", ", StatusCodes)} (was {options.StatusCode}).");
            ok = false;
        }

        if (!Enum.IsDefined(options.Headers))
        {
            errors.Add($"Floodgate:Headers must be one of {Names<HeaderMode>()}.");
            ok = false;
        }

        if (PolicyCompiler.TryParseLimits(options.DefaultLimit, null, null, options.Algorithm, out var defaults, out var error))
        {
            var tiers = PolicyCompiler.CompileTiers(options.Tiers.Limits, "Floodgate:Tiers:Limits", null, null, options.Algorithm, errors, ref ok);
            settings.DefaultPolicy = new RateLimitPolicy("default", defaults, 1, RuleScope.Client, tiers, null);
        }
        else
        {
            errors.Add($"Floodgate:DefaultLimit: {error}");
            ok = false;
        }

        if (string.IsNullOrWhiteSpace(options.Tiers.ClaimType))
        {
            errors.Add("Floodgate:Tiers:ClaimType must not be empty.");
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
                errors.Add($"Floodgate:Exempt:{i - (exemptPaths.Count - options.Exempt.Count)}: {patternError}.");
                ok = false;
            }
        }

        settings.Exempt = [.. exempt];
        settings.EndpointLimit = OptionalLimit(options.Endpoint.Limit, "Floodgate:Endpoint:Limit", options.Algorithm, errors, ref ok);
        settings.GlobalLimit = OptionalLimit(options.Global.Limit, "Floodgate:Global:Limit", options.Algorithm, errors, ref ok);

        var breaker = options.Global.CircuitBreaker;
        if (!Enum.IsDefined(breaker.Mode))
        {
            errors.Add($"Floodgate:Global:CircuitBreaker:Mode must be one of {Names<DefenseMode>()}.");
            ok = false;
        }

        if (breaker.CoolDown <= TimeSpan.Zero || breaker.CoolDown > TimeSpan.FromDays(1))
        {
            errors.Add($"Floodgate:Global:CircuitBreaker:CoolDown must be between 00:00:00.001 and 1.00:00:00 (was {breaker.CoolDown}).");
            ok = false;
        }

        if (OptionalLimit(breaker.Threshold, "Floodgate:Global:CircuitBreaker:Threshold", RateLimitAlgorithm.FixedWindow, errors, ref ok) is { } threshold && ok)
        {
            settings.Breaker = new CircuitBreaker(threshold, breaker.CoolDown, timeProvider);
        }

        ok &= BuildIdentification(settings, options, errors);
        ok &= Check(() => options.Penalty.Validate(), "Floodgate:Penalty", errors);
        if (options.Memory.MaxKeys < 1)
        {
            errors.Add($"Floodgate:Memory:MaxKeys must be at least 1 (was {options.Memory.MaxKeys}).");
            ok = false;
        }

        if (options.Memory.CleanupInterval <= TimeSpan.Zero)
        {
            errors.Add($"Floodgate:Memory:CleanupInterval must be positive (was {options.Memory.CleanupInterval}).");
            ok = false;
        }

        return ok ? settings : null;
    }

    private static bool BuildIdentification(FloodgateSettings settings, FloodgateOptions options, List<string> errors)
    {
        var ok = true;
        var identification = options.Identification;
        if (identification.Ipv6PrefixLength is < 16 or > 128)
        {
            errors.Add($"Floodgate:Identification:Ipv6PrefixLength must be between 16 and 128 (was {identification.Ipv6PrefixLength}).");
            ok = false;
        }

        if (identification.MaxIdentitiesPerAddress is < 0 or > 1000)
        {
            errors.Add($"Floodgate:Identification:MaxIdentitiesPerAddress must be between 0 and 1000 (was {identification.MaxIdentitiesPerAddress}).");
            ok = false;
        }

        if (identification.IdentityWindow < TimeSpan.FromSeconds(1) || identification.IdentityWindow > TimeSpan.FromDays(1))
        {
            errors.Add($"Floodgate:Identification:IdentityWindow must be between 00:00:01 and 1.00:00:00 (was {identification.IdentityWindow}).");
            ok = false;
        }

        if (identification.MaxTrackedAddresses is < 1 or > 10_000_000)
        {
            errors.Add($"Floodgate:Identification:MaxTrackedAddresses must be between 1 and 10000000 (was {identification.MaxTrackedAddresses}).");
            ok = false;
        }

        if (!Enum.IsDefined(identification.Fingerprint))
        {
            errors.Add($"Floodgate:Identification:Fingerprint must be one of {Names<FingerprintLevel>()}.");
            ok = false;
        }

        if (identification.Sources is { } sources && sources.Any(s => !Enum.IsDefined(s)))
        {
            errors.Add($"Floodgate:Identification:Sources must list only {Names<IdentitySource>()}.");
            ok = false;
        }

        if (string.IsNullOrWhiteSpace(identification.ApiKeyHeader) || string.IsNullOrWhiteSpace(identification.ClientIdHeader))
        {
            errors.Add("Floodgate:Identification:ApiKeyHeader and ClientIdHeader must not be empty.");
            ok = false;
        }

        var forwarded = options.ForwardedHeaders;
        if (forwarded.MaxEntries is < 1 or > 100)
        {
            errors.Add($"Floodgate:ForwardedHeaders:MaxEntries must be between 1 and 100 (was {forwarded.MaxEntries}).");
            ok = false;
        }

        var networks = new List<IPNetwork>();
        for (var i = 0; i < forwarded.TrustedProxies.Count; i++)
        {
            var text = forwarded.TrustedProxies[i]?.Trim();
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

        settings.Addresses = new ClientAddressResolver(networks, Math.Clamp(forwarded.MaxEntries, 1, 100));
        settings.Identifier = new ClientIdentifier(identification, settings.Addresses);
        return ok;
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

        errors.Add($"{key}: {(error.Length > 0 ? error : "exactly one limit is allowed here")}");
        ok = false;
        return null;
    }

    private static bool Check(Action validate, string key, List<string> errors)
    {
        try
        {
            validate();
            return true;
        }
        catch (ArgumentOutOfRangeException ex)
        {
            errors.Add($"{key}:{ex.ParamName} is out of range (was {ex.ActualValue}).");
            return false;
        }
    }

    private static string Names<T>()
        where T : struct, Enum => string.Join(", ", Enum.GetNames<T>());

    /// <summary>The endpoint key of the per-endpoint layer: method and route template (or path).</summary>
    public static string EndpointKey(HttpContext context, Endpoint? endpoint) =>
        context.Request.Method + " " + (endpoint is RouteEndpoint route && route.RoutePattern.RawText is { } raw ? raw : context.Request.Path.Value);
}
