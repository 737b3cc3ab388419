using System.Globalization;
using Microsoft.Extensions.Options;

namespace Floodgate.AspNetCore;

/// <summary>
/// Validates <see cref="FloodgateOptions"/> at start-up (and on every reload): one line per problem, each naming the key,
/// the value and what is accepted, e.g. <c>Floodgate:Penalty:Violations must be between 1 and 1000 (was 0).</c>
/// Plain values are checked here; limits, rules and patterns by compiling them (<see cref="FloodgateSettings.Build(FloodgateOptions, List{string})"/>).
/// The settings compiled while validating are kept for <see cref="FloodgateSettingsProvider"/>, so that start-up compiles once.
/// </summary>
internal sealed class FloodgateOptionsValidator : IValidateOptions<FloodgateOptions>
{
    private (FloodgateOptions Options, FloodgateSettings Settings)? _validated;

    public ValidateOptionsResult Validate(string? name, FloodgateOptions options)
    {
        var errors = new List<string>();
        CheckValues(options, errors);
        var settings = FloodgateSettings.Build(options, errors);
        if (errors.Count > 0)
        {
            return ValidateOptionsResult.Fail(errors);
        }

        _validated = (options, settings!);
        return ValidateOptionsResult.Success;
    }

    /// <summary>The settings compiled when <paramref name="options"/> (this very instance) was validated, or null.</summary>
    public FloodgateSettings? CompiledFor(FloodgateOptions options) =>
        _validated is { } validated && ReferenceEquals(validated.Options, options) ? validated.Settings : null;

    /// <summary>Checks every plain value of <paramref name="options"/>; adds one line per problem.</summary>
    public static void CheckValues(FloodgateOptions options, List<string> errors)
    {
        Defined(options.Algorithm, "Floodgate:Algorithm", errors);
        if (options.StatusCode is not (420 or 429 or 503))
        {
            errors.Add($"Floodgate:StatusCode must be one of 420, 429, 503 (was {options.StatusCode}).");
        }

        Defined(options.Headers, "Floodgate:Headers", errors);
        NotEmpty(options.Tiers.ClaimType, "Floodgate:Tiers:ClaimType", errors);

        var breaker = options.Global.CircuitBreaker;
        Defined(breaker.Mode, "Floodgate:Global:CircuitBreaker:Mode", errors);
        Between(breaker.CoolDown, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1), "Floodgate:Global:CircuitBreaker:CoolDown", errors);

        var identification = options.Identification;
        Between(identification.Ipv6PrefixLength, 16, 128, "Floodgate:Identification:Ipv6PrefixLength", errors);
        Between(identification.MaxIdentitiesPerAddress, 0, 1000, "Floodgate:Identification:MaxIdentitiesPerAddress", errors);
        Between(identification.IdentityWindow, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), "Floodgate:Identification:IdentityWindow", errors);
        Between(identification.MaxTrackedAddresses, 1, 10_000_000, "Floodgate:Identification:MaxTrackedAddresses", errors);
        Defined(identification.Fingerprint, "Floodgate:Identification:Fingerprint", errors);
        if (identification.Sources is { } sources)
        {
            for (var i = 0; i < sources.Count; i++)
            {
                Defined(sources[i], $"Floodgate:Identification:Sources:{i}", errors);
            }
        }

        NotEmpty(identification.ApiKeyHeader, "Floodgate:Identification:ApiKeyHeader", errors);
        NotEmpty(identification.ClientIdHeader, "Floodgate:Identification:ClientIdHeader", errors);
        Between(options.ForwardedHeaders.MaxEntries, 1, 100, "Floodgate:ForwardedHeaders:MaxEntries", errors);

        var penalty = options.Penalty;
        Between(penalty.Violations, 1, 1000, "Floodgate:Penalty:Violations", errors);
        Between(penalty.Window, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), "Floodgate:Penalty:Window", errors);
        Between(penalty.BanDuration, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365), "Floodgate:Penalty:BanDuration", errors);
        if (penalty.MaxBanDuration < penalty.BanDuration || penalty.MaxBanDuration > TimeSpan.FromDays(365))
        {
            errors.Add($"Floodgate:Penalty:MaxBanDuration must be between Floodgate:Penalty:BanDuration ({Format(penalty.BanDuration)}) and {Format(TimeSpan.FromDays(365))} (was {Format(penalty.MaxBanDuration)}).");
        }

        Between(options.Memory.MaxKeys, 1, int.MaxValue, "Floodgate:Memory:MaxKeys", errors);
        Between(options.Memory.CleanupInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1), "Floodgate:Memory:CleanupInterval", errors);
    }

    /// <summary>A configured text as a message shows it: quoted, or <c>(empty)</c>.</summary>
    public static string Quote(string? value) => string.IsNullOrEmpty(value) ? "(empty)" : $"'{value}'";

    /// <summary>A duration as configuration writes it (<c>00:05:00</c>).</summary>
    public static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    private static void Between(long value, long min, long max, string key, List<string> errors)
    {
        if (value < min || value > max)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key} must be between {min} and {max} (was {value})."));
        }
    }

    private static void Between(TimeSpan value, TimeSpan min, TimeSpan max, string key, List<string> errors)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key} must be between {Format(min)} and {Format(max)} (was {Format(value)}).");
        }
    }

    private static void Defined<T>(T value, string key, List<string> errors)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            errors.Add($"{key} must be one of {string.Join(", ", Enum.GetNames<T>())} (was {value}).");
        }
    }

    private static void NotEmpty(string? value, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{key} must be a non-empty text (was {Quote(value)}).");
        }
    }
}
