namespace Floodgate.Server;

/// <summary>
/// Reads an enum value as users of other limiters write it: any case, and with or without separators
/// (<c>TokenBucket</c>, <c>tokenbucket</c>, <c>token_bucket</c>, <c>token-bucket</c>). Numbers are never names.
/// </summary>
internal static class EnumNames
{
    public static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum
    {
        value = default;
        var name = text?.Trim().Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        return !string.IsNullOrEmpty(name) && !char.IsAsciiDigit(name[0]) && !name.Contains(',', StringComparison.Ordinal) &&
            Enum.TryParse(name, ignoreCase: true, out value) && Enum.IsDefined(value);
    }

    /// <summary>The accepted names, for an error message.</summary>
    public static string List<T>()
        where T : struct, Enum => string.Join(", ", Enum.GetNames<T>());
}
