using Floodgate.Storage.Testing;
using Floodgate.Testing;

namespace Floodgate.Tests;

/// <summary>Durations and instants in microseconds since the Unix epoch, the unit every algorithm decides in.</summary>
internal static class Micros
{
    public const long Millisecond = 1_000;
    public const long Second = 1_000 * Millisecond;
    public const long Minute = 60 * Second;
    public const long Hour = 60 * Minute;
    public const long Day = 24 * Hour;

    /// <summary>Midnight UTC on 2026-01-01 (<see cref="RateLimitStoreContract.Start"/>): aligned to every window of a minute, an hour and a day.</summary>
    public static readonly long Start = (RateLimitStoreContract.Start.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>A duration in whole microseconds.</summary>
    public static long From(TimeSpan span) => span.Ticks / 10;
}
