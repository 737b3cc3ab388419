using Floodgate.AspNetCore.Identification;
using Floodgate.Layers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Floodgate.AspNetCore;

/// <summary>
/// Binds section <c>Floodgate</c>. Enum values are checked first, so a typo stops start-up with the key and the
/// accepted values instead of the binder's bare conversion error.
/// </summary>
internal sealed class FloodgateOptionsBinder(IConfiguration configuration) : IConfigureOptions<FloodgateOptions>
{
    public void Configure(FloodgateOptions options)
    {
        var section = configuration.GetSection(FloodgateOptions.SectionName);
        var errors = new List<string>();
        CheckEnum<RateLimitAlgorithm>(section, "Algorithm", errors);
        CheckEnum<HeaderMode>(section, "Headers", errors);
        CheckEnum<DefenseMode>(section, "Global:CircuitBreaker:Mode", errors);
        CheckEnum<FingerprintLevel>(section, "Identification:Fingerprint", errors);
        foreach (var source in section.GetSection("Identification:Sources").GetChildren())
        {
            CheckEnum<IdentitySource>(source, null, errors);
        }

        foreach (var rule in section.GetSection("Rules").GetChildren())
        {
            CheckEnum<RateLimitAlgorithm>(rule, "Algorithm", errors);
            CheckEnum<RuleScope>(rule, "Scope", errors);
            CheckBoolean(rule, "Sensitive", errors);
        }

        CheckNumbers(section, errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(FloodgateOptions.SectionName, typeof(FloodgateOptions), errors);
        }

        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException(FloodgateOptions.SectionName, typeof(FloodgateOptions), [ex.Message]);
        }
    }

    private static void CheckEnum<T>(IConfigurationSection section, string? key, List<string> errors)
        where T : struct, Enum
    {
        var entry = key is null ? section : section.GetSection(key);
        if (entry.Value is { Length: > 0 } value && !(Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(value.Trim()[0])))
        {
            errors.Add($"{entry.Path} must be one of {string.Join(", ", Enum.GetNames<T>())} (was '{value}').");
        }
    }

    private static void CheckBoolean(IConfigurationSection section, string key, List<string> errors)
    {
        var entry = section.GetSection(key);
        if (entry.Value is { Length: > 0 } value && !bool.TryParse(value, out _))
        {
            errors.Add($"{entry.Path} must be true or false (was '{value}').");
        }
    }

    private static void CheckNumbers(IConfigurationSection section, List<string> errors)
    {
        string[] integers = ["StatusCode", "Penalty:Violations", "Memory:MaxKeys", "ForwardedHeaders:MaxEntries", "Identification:Ipv6PrefixLength", "Identification:MaxIdentitiesPerAddress", "Identification:MaxTrackedAddresses"];
        foreach (var key in integers)
        {
            var entry = section.GetSection(key);
            if (entry.Value is { Length: > 0 } value && !int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"{entry.Path} must be a whole number (was '{value}').");
            }
        }

        string[] durations = ["Penalty:Window", "Penalty:BanDuration", "Penalty:MaxBanDuration", "Global:CircuitBreaker:CoolDown", "Memory:CleanupInterval", "Identification:IdentityWindow"];
        foreach (var key in durations)
        {
            var entry = section.GetSection(key);
            if (entry.Value is { Length: > 0 } value && !TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"{entry.Path} must be a duration like 00:05:00 (was '{value}').");
            }
        }
    }
}
