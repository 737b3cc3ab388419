namespace Floodgate.AspNetCore.Replay;

/// <summary>
/// The time of the record being replayed, for the parts of Floodgate that read a <see cref="TimeProvider"/> (the
/// penalty box). Its timers never fire: a replay's state is swept by nothing, and state that expired is as good as fresh.
/// </summary>
internal sealed class ReplayClock : TimeProvider
{
    /// <summary>Microseconds since the Unix epoch.</summary>
    public long Now { get; set; }

    public override DateTimeOffset GetUtcNow() => new(DateTime.UnixEpoch.Ticks + (Now * 10), TimeSpan.Zero);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => InertTimer.Instance;

    private sealed class InertTimer : ITimer
    {
        public static readonly InertTimer Instance = new();

        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
