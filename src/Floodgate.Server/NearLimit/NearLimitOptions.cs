namespace Floodgate.Server.NearLimit;

/// <summary>Section <c>Floodgate:NearLimit</c>: when a client counts as near its limit.</summary>
public sealed class NearLimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Floodgate:NearLimit";

    /// <summary>
    /// The share of a client limit (of its capacity: the burst where one is set) a client must have used in a window to
    /// be near it; 0 turns near-limit reports off.
    /// </summary>
    public double Ratio { get; set; } = 0.8;

    /// <summary>(Policy, client, limit) triples remembered as reported in their current window; past it, no new reports until windows end.</summary>
    public int MaxTracked { get; set; } = 100_000;

    internal static IEnumerable<string> Validate(NearLimitOptions options)
    {
        if (options.Ratio != 0 && options.Ratio is not (>= 0.01 and <= 1))
        {
            yield return $"{SectionName}:Ratio must be 0 (off) or between 0.01 and 1 (was {options.Ratio.ToString(System.Globalization.CultureInfo.InvariantCulture)}).";
        }

        if (options.MaxTracked is < 1 or > 10_000_000)
        {
            yield return $"{SectionName}:MaxTracked must be between 1 and 10000000 (was {options.MaxTracked}).";
        }
    }
}
