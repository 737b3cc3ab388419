using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Floodgate;

/// <summary>
/// A limit: at most <see cref="Count"/> units per <see cref="Window"/>, decided by <see cref="Algorithm"/>,
/// with an optional <see cref="Burst"/> for the token bucket and GCRA.
/// Written as <c>"100/minute"</c>, <c>"100/min"</c>, <c>"5/10s"</c>, <c>"1000/hour"</c>, <c>"100 per minute"</c>,
/// optionally followed by an algorithm and a burst: <c>"10/second TokenBucket burst 20"</c>.
/// </summary>
/// <remarks>Instances are immutable and compare by value, so they can key dictionaries and be shared freely.</remarks>
public sealed class RateLimit : IEquatable<RateLimit>, IParsable<RateLimit>
{
    /// <summary>The largest count a limit may have.</summary>
    public const long MaxCount = 1_000_000_000;

    /// <summary>The longest window a limit may have.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(366);

    /// <summary>The shortest window a limit may have.</summary>
    public static readonly TimeSpan MinWindow = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// The longest time an empty bucket (token bucket) or a full burst (GCRA) may take to refill: a hundred
    /// <see cref="MaxWindow"/>s. Beyond it the times the algorithms compute in microseconds would overflow.
    /// </summary>
    public static readonly TimeSpan MaxRefill = TimeSpan.FromDays(100 * 366);

    private const string AcceptedForms =
        "Write a limit as <count>/<window>: \"100/minute\", \"100/min\", \"5/10s\", \"1000/hour\", \"10/second\", " +
        "\"50000/day\" or \"100 per minute\" (units: ms, s, min, h, d and their long names), optionally followed by " +
        "an algorithm (SlidingWindowCounter, SlidingWindowLog, TokenBucket, FixedWindow, Gcra) and \"burst <n>\". " +
        "Count and window must be positive.";

    /// <summary>Computed once: stores hash (key, limit) on every decision.</summary>
    private readonly int _hashCode;

    /// <summary>Creates a limit of <paramref name="count"/> units per <paramref name="window"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count, window or burst is out of range, or the burst would take longer than <see cref="MaxRefill"/> to refill.</exception>
    /// <exception cref="ArgumentException">A burst is given for an algorithm that has none.</exception>
    public RateLimit(long count, TimeSpan window, RateLimitAlgorithm algorithm = RateLimitAlgorithm.SlidingWindowCounter, long? burst = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, MinWindow);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(window, MaxWindow);
        if (window.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "A window must be a whole number of milliseconds.");
        }

        if (!Enum.IsDefined(algorithm))
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown algorithm.");
        }

        if (burst is { } b)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(b, 1, nameof(burst));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(b, MaxCount, nameof(burst));
            if (algorithm is not (RateLimitAlgorithm.TokenBucket or RateLimitAlgorithm.Gcra))
            {
                throw new ArgumentException($"A burst applies to TokenBucket and Gcra only, not to {algorithm}.", nameof(burst));
            }

            if (!RefillFits(count, window, b))
            {
                throw new ArgumentOutOfRangeException(nameof(burst), b, $"A burst of {b} at {count} per {window} would take longer than {MaxRefill.TotalDays} days to refill.");
            }
        }

        Count = count;
        Window = window;
        Algorithm = algorithm;
        Burst = burst;
        WindowMicroseconds = window.Ticks / 10;
        Capacity = burst ?? count;
        GcraInterval = (WindowMicroseconds + count - 1) / count;
        _hashCode = HashCode.Combine(Count, Window.Ticks, (int)Algorithm, Burst ?? 0);
    }

    /// <summary>The units admitted per window.</summary>
    public long Count { get; }

    /// <summary>The length of the window.</summary>
    public TimeSpan Window { get; }

    /// <summary>The algorithm that decides.</summary>
    public RateLimitAlgorithm Algorithm { get; }

    /// <summary>The bucket size (token bucket) or burst tolerance (GCRA); <see cref="Count"/> when not set.</summary>
    public long? Burst { get; }

    /// <summary>The most units admitted at once: <see cref="Burst"/> when set, otherwise <see cref="Count"/>.</summary>
    public long Capacity { get; }

    /// <summary>The length of the window in whole microseconds, the unit of every algorithm and store script.</summary>
    public long WindowMicroseconds { get; }

    /// <summary>GCRA emission interval in whole microseconds, rounded up so integer arithmetic never admits more than the limit.</summary>
    public long GcraInterval { get; }

    /// <summary>The same rate with another algorithm (the burst is dropped where the algorithm has none).</summary>
    public RateLimit WithAlgorithm(RateLimitAlgorithm algorithm) =>
        algorithm == Algorithm ? this : new RateLimit(Count, Window, algorithm, algorithm is RateLimitAlgorithm.TokenBucket or RateLimitAlgorithm.Gcra ? Burst : null);

    /// <summary>The same limit with another burst.</summary>
    public RateLimit WithBurst(long? burst) => burst == Burst ? this : new RateLimit(Count, Window, Algorithm, burst);

    /// <summary>Parses the limit notation.</summary>
    /// <exception cref="FormatException">The text is not a limit; the message shows the accepted forms.</exception>
    public static RateLimit Parse(string s) => Parse(s, provider: null);

    /// <inheritdoc />
    public static RateLimit Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParseCore(s, out var limit, out var error) ? limit : throw new FormatException($"'{s}' is not a rate limit: {error}. {AcceptedForms}");
    }

    /// <summary>Parses the limit notation, returning <see langword="false"/> for invalid text.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, [MaybeNullWhen(false)] out RateLimit result) => TryParse(s, provider: null, out result);

    /// <inheritdoc />
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out RateLimit result)
    {
        if (s is null)
        {
            result = null;
            return false;
        }

        return TryParseCore(s, out result, out _);
    }

    private static bool TryParseCore(string text, [MaybeNullWhen(false)] out RateLimit result, out string error)
    {
        result = null;
        var reader = new NotationReader(text);
        reader.SkipSpaces();
        if (reader.AtEnd)
        {
            error = "it is empty";
            return false;
        }

        if (!reader.TryReadNumber(out var count, out error, "count"))
        {
            return false;
        }

        reader.SkipSpaces();
        if (!reader.TryConsume("/") && !reader.TryConsumeWord("per"))
        {
            error = "expected '/' or 'per' after the count";
            return false;
        }

        reader.SkipSpaces();
        long multiplier = 1;
        if (reader.PeekDigit())
        {
            if (!reader.TryReadNumber(out multiplier, out error, "window"))
            {
                return false;
            }

            reader.SkipSpaces();
        }

        var unitWord = reader.ReadWord();
        if (!TryUnit(unitWord, out var unit))
        {
            error = unitWord.Length == 0 ? "the window has no unit" : $"'{unitWord}' is not a unit of time";
            return false;
        }

        var algorithm = RateLimitAlgorithm.SlidingWindowCounter;
        long? burst = null;
        while (true)
        {
            reader.SkipSpaces();
            if (reader.AtEnd)
            {
                break;
            }

            var word = reader.ReadWord();
            if (word.Equals("burst", StringComparison.OrdinalIgnoreCase))
            {
                reader.SkipSpaces();
                reader.TryConsume("=");
                reader.SkipSpaces();
                if (!reader.TryReadNumber(out var b, out error, "burst"))
                {
                    return false;
                }

                burst = b;
            }
            else if (word.Length > 0 && char.IsLetter(word[0]) && Enum.TryParse(word, ignoreCase: true, out RateLimitAlgorithm parsed) && Enum.IsDefined(parsed))
            {
                algorithm = parsed;
            }
            else
            {
                error = word.Length == 0 ? $"unexpected '{text[reader.Position]}'" : $"'{word}' is neither an algorithm nor 'burst'";
                return false;
            }
        }

        if (count > MaxCount)
        {
            error = $"the count must be at most {MaxCount}";
            return false;
        }

        if (multiplier > MaxWindow.Ticks / unit.Ticks)
        {
            error = $"the window must be at most {MaxWindow.TotalDays} days";
            return false;
        }

        var window = TimeSpan.FromTicks(unit.Ticks * multiplier);
        if (window > MaxWindow)
        {
            error = $"the window must be at most {MaxWindow.TotalDays} days";
            return false;
        }

        if (burst is not null && algorithm is not (RateLimitAlgorithm.TokenBucket or RateLimitAlgorithm.Gcra))
        {
            error = $"a burst applies to TokenBucket and Gcra only, not to {algorithm}";
            return false;
        }

        if (burst > MaxCount)
        {
            error = $"the burst must be at most {MaxCount}";
            return false;
        }

        if (burst is { } fits && !RefillFits(count, window, fits))
        {
            error = $"a burst of {fits} would take longer than {MaxRefill.TotalDays} days to refill";
            return false;
        }

        result = new RateLimit(count, window, algorithm, burst);
        return true;
    }

    /// <summary>Whether <paramref name="burst"/> units refill at <paramref name="count"/> per <paramref name="window"/> within <see cref="MaxRefill"/>.</summary>
    private static bool RefillFits(long count, TimeSpan window, long burst) =>
        (Int128)burst * window.Ticks <= (Int128)MaxRefill.Ticks * count;

    private static bool TryUnit(string word, out TimeSpan unit)
    {
        unit = word.ToUpperInvariant() switch
        {
            "MS" or "MILLISECOND" or "MILLISECONDS" => TimeSpan.FromMilliseconds(1),
            "S" or "SEC" or "SECS" or "SECOND" or "SECONDS" => TimeSpan.FromSeconds(1),
            "M" or "MIN" or "MINS" or "MINUTE" or "MINUTES" => TimeSpan.FromMinutes(1),
            "H" or "HR" or "HRS" or "HOUR" or "HOURS" => TimeSpan.FromHours(1),
            "D" or "DAY" or "DAYS" => TimeSpan.FromDays(1),
            _ => TimeSpan.Zero,
        };
        return unit > TimeSpan.Zero;
    }

    /// <summary>The canonical notation, e.g. <c>"100/minute"</c>, <c>"5/10s"</c> or <c>"10/second TokenBucket burst 20"</c>; <see cref="Parse(string)"/> reads it back.</summary>
    public override string ToString()
    {
        var rate = string.Create(CultureInfo.InvariantCulture, $"{Count}/{FormatWindow(Window)}");
        if (Algorithm != RateLimitAlgorithm.SlidingWindowCounter)
        {
            rate += " " + Algorithm;
        }

        return Burst is { } b ? string.Create(CultureInfo.InvariantCulture, $"{rate} burst {b}") : rate;
    }

    /// <summary>Formats a window the way the notation writes it: <c>minute</c>, <c>10s</c>, <c>1500ms</c>.</summary>
    public static string FormatWindow(TimeSpan window)
    {
        ReadOnlySpan<(long Ticks, string Long, string Short)> units =
        [
            (TimeSpan.TicksPerDay, "day", "d"),
            (TimeSpan.TicksPerHour, "hour", "h"),
            (TimeSpan.TicksPerMinute, "minute", "min"),
            (TimeSpan.TicksPerSecond, "second", "s"),
            (TimeSpan.TicksPerMillisecond, "millisecond", "ms"),
        ];
        foreach (var (ticks, longName, shortName) in units)
        {
            if (window.Ticks % ticks == 0)
            {
                var n = window.Ticks / ticks;
                return n == 1 ? longName : n.ToString(CultureInfo.InvariantCulture) + shortName;
            }
        }

        return (window.Ticks / 10).ToString(CultureInfo.InvariantCulture) + "us";
    }

    /// <inheritdoc />
    public bool Equals(RateLimit? other) =>
        other is not null && (ReferenceEquals(this, other) ||
        (Count == other.Count && Window == other.Window && Algorithm == other.Algorithm && Burst == other.Burst));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RateLimit other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _hashCode;

    /// <summary>Value equality.</summary>
    public static bool operator ==(RateLimit? left, RateLimit? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(RateLimit? left, RateLimit? right) => !(left == right);

    private ref struct NotationReader(string text)
    {
        private readonly string _text = text;

        public int Position { get; private set; }

        public readonly bool AtEnd => Position >= _text.Length;

        public void SkipSpaces()
        {
            while (Position < _text.Length && char.IsWhiteSpace(_text[Position]))
            {
                Position++;
            }
        }

        public readonly bool PeekDigit() => Position < _text.Length && char.IsAsciiDigit(_text[Position]);

        public bool TryConsume(string token)
        {
            if (string.CompareOrdinal(_text, Position, token, 0, token.Length) == 0)
            {
                Position += token.Length;
                return true;
            }

            return false;
        }

        public bool TryConsumeWord(string word)
        {
            var start = Position;
            var read = ReadWord();
            if (read.Equals(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            Position = start;
            return false;
        }

        public string ReadWord()
        {
            var start = Position;
            while (Position < _text.Length && char.IsAsciiLetter(_text[Position]))
            {
                Position++;
            }

            return _text[start..Position];
        }

        public bool TryReadNumber(out long value, out string error, string what)
        {
            value = 0;
            var start = Position;
            if (Position < _text.Length && _text[Position] is '-' or '+')
            {
                error = $"the {what} must be a positive whole number";
                return false;
            }

            while (Position < _text.Length && char.IsAsciiDigit(_text[Position]))
            {
                Position++;
            }

            if (Position == start)
            {
                error = $"the {what} must be a positive whole number";
                return false;
            }

            if (!long.TryParse(_text.AsSpan(start, Position - start), NumberStyles.None, CultureInfo.InvariantCulture, out value))
            {
                error = $"the {what} is too large";
                return false;
            }

            if (value <= 0)
            {
                error = $"the {what} must be positive (was {value})";
                return false;
            }

            error = string.Empty;
            return true;
        }
    }
}
