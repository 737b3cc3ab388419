using System.Globalization;

namespace Floodgate.Load.Options;

/// <summary>Durations as written on the command line: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, or plain seconds.</summary>
internal static class DurationText
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        var span = text.AsSpan().Trim();
        double scale;
        if (span.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
        {
            scale = 0.001;
            span = span[..^2];
        }
        else if (span.EndsWith('s') || span.EndsWith('S'))
        {
            scale = 1;
            span = span[..^1];
        }
        else if (span.EndsWith('m') || span.EndsWith('M'))
        {
            scale = 60;
            span = span[..^1];
        }
        else if (span.EndsWith('h') || span.EndsWith('H'))
        {
            scale = 3600;
            span = span[..^1];
        }
        else
        {
            scale = 1;
        }

        if (!double.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value * scale)
            || value * scale > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * scale);
        return true;
    }

    public static string Format(TimeSpan duration) => duration switch
    {
        { TotalMilliseconds: < 1000 } => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###}ms"),
        { TotalSeconds: <= 60 } => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###}s"),
        _ when duration.TotalMinutes > 1 && duration.Seconds == 0 && duration.Milliseconds == 0 => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###}s"),
    };
}
