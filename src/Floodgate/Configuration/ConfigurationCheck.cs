using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Floodgate.Configuration;

/// <summary>
/// Checks configured values before they are bound: every value is checked against the type of the option it sets
/// (walking nested options, lists and dictionaries), so that a typo stops start-up with the key, the value and what is
/// accepted instead of the binder's bare conversion error. Floodgate's options and the Redis store's use it; a store
/// of one's own can too.
/// </summary>
public static class ConfigurationCheck
{
    /// <summary>
    /// Checks every value under <paramref name="section"/> against the option of <typeparamref name="TOptions"/> it sets;
    /// throws <see cref="OptionsValidationException"/> with one line per value that the binder could not convert.
    /// </summary>
    public static void Check<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(IConfigurationSection section)
    {
        var errors = new List<string>();
        CheckObject(section, typeof(TOptions), errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(section.Path, typeof(TOptions), errors);
        }
    }

    /// <summary>Checks the values under <paramref name="section"/> against the properties of <paramref name="type"/>; keys it does not know are left to the binder.</summary>
    private static void CheckObject(IConfigurationSection section, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type, List<string> errors)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        foreach (var child in section.GetChildren())
        {
            foreach (var property in properties)
            {
                if (property.CanWrite && string.Equals(property.Name, child.Key, StringComparison.OrdinalIgnoreCase))
                {
                    CheckValue(child, property.PropertyType, errors);
                    break;
                }
            }
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "The nested option types are public, sealed and reached through the properties of the options type, which the configuration binding generator keeps.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "The option types are public, sealed and rooted by the options type checked.")]
    private static void CheckValue(IConfigurationSection section, Type type, List<string> errors)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(List<>) || type.GetGenericTypeDefinition() == typeof(Dictionary<,>)))
        {
            var element = type.GetGenericArguments()[^1];
            foreach (var item in section.GetChildren())
            {
                CheckValue(item, element, errors);
            }
        }
        else if (type.IsClass && type != typeof(string))
        {
            CheckObject(section, type, errors);
        }
        else if (section.Value is { Length: > 0 } value && Accepted(type, value) is { } accepted)
        {
            errors.Add($"{section.Path} must be {accepted} (was '{value}').");
        }
    }

    /// <summary>What <paramref name="type"/> accepts, or null when <paramref name="value"/> is one of it.</summary>
    private static string? Accepted(Type type, string value)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (type.IsEnum)
        {
            var trimmed = value.Trim();
            return Enum.TryParse(type, trimmed, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!) && !char.IsAsciiDigit(trimmed[0]) && trimmed[0] != '-'
                ? null
                : "one of " + string.Join(", ", Enum.GetNames(type));
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => bool.TryParse(value, out _) ? null : "true or false",
            TypeCode.Int32 => int.TryParse(value, NumberStyles.Integer, invariant, out _) ? null : "a whole number",
            TypeCode.Int64 => long.TryParse(value, NumberStyles.Integer, invariant, out _) ? null : "a whole number",
            TypeCode.Double => double.TryParse(value, NumberStyles.Float, invariant, out _) ? null : "a number",
            _ when type == typeof(TimeSpan) => TimeSpan.TryParse(value, invariant, out _) ? null : "a duration like 00:05:00 (hh:mm:ss) or 1.00:00:00 (one day)",
            _ => null,
        };
    }
}
