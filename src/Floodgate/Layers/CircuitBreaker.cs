namespace Floodgate.Layers;

/// <summary>
/// The global layer's surge detector. It counts all traffic in fixed windows of the threshold's length; when a
/// window's count crosses the threshold it opens for the cool-down, then half-opens: if the next whole window
/// stays under the threshold it closes, otherwise it opens again. Lock-free on the counting path.
/// </summary>
public sealed class CircuitBreaker
{
    private readonly RateLimit _threshold;
    private readonly TimeSpan _coolDown;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _transition = new();
    private long _windowStart;
    private long _count;
    private long _openUntil;
    private int _state;

    /// <summary>Creates a breaker that opens when more than <paramref name="threshold"/> requests arrive in one of its windows.</summary>
    public CircuitBreaker(RateLimit threshold, TimeSpan coolDown, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(threshold);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(coolDown, TimeSpan.Zero);
        _threshold = threshold;
        _coolDown = coolDown;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Raised on every change of state, with the new state.</summary>
    public event Action<CircuitState>? StateChanged;

    /// <summary>The state now (an open breaker whose cool-down has ended reads as half-open).</summary>
    public CircuitState State
    {
        get
        {
            var state = (CircuitState)Volatile.Read(ref _state);
            return state == CircuitState.Open && Now() >= Volatile.Read(ref _openUntil) ? CircuitState.HalfOpen : state;
        }
    }

    /// <summary>Counts one request and returns the state it meets.</summary>
    public CircuitState Record()
    {
        var now = Now();
        var window = _threshold.WindowMicroseconds;
        var windowStart = now - (now % window);
        var seen = Volatile.Read(ref _windowStart);
        if (seen != windowStart)
        {
            Roll(seen, windowStart, now);
        }

        var count = Interlocked.Increment(ref _count);
        var state = (CircuitState)Volatile.Read(ref _state);
        if (state == CircuitState.Open && now >= Volatile.Read(ref _openUntil))
        {
            state = Transition(CircuitState.Open, CircuitState.HalfOpen, now);
        }

        if (count > _threshold.Count && state != CircuitState.Open)
        {
            state = Transition(state, CircuitState.Open, now);
        }

        return state;
    }

    /// <summary>Forces the breaker closed (an operator's reset).</summary>
    public void Reset()
    {
        lock (_transition)
        {
            Interlocked.Exchange(ref _count, 0);
            SetState(CircuitState.Closed);
        }
    }

    private void Roll(long seen, long windowStart, long now)
    {
        lock (_transition)
        {
            if (Volatile.Read(ref _windowStart) != seen)
            {
                return; // another thread rolled already
            }

            var previous = Interlocked.Exchange(ref _count, 0);
            var wasContiguous = windowStart - seen == _threshold.WindowMicroseconds;
            Volatile.Write(ref _windowStart, windowStart);

            // Half-open and a whole probing window stayed under the threshold: the surge is over.
            var state = (CircuitState)_state;
            if (state == CircuitState.Open && now >= _openUntil)
            {
                SetState(CircuitState.HalfOpen);
            }
            else if (state == CircuitState.HalfOpen && (!wasContiguous || previous <= _threshold.Count))
            {
                SetState(CircuitState.Closed);
            }
        }
    }

    private CircuitState Transition(CircuitState from, CircuitState to, long now)
    {
        lock (_transition)
        {
            var current = (CircuitState)_state;
            if (current != from && !(current == CircuitState.Closed && to == CircuitState.Open))
            {
                return current;
            }

            if (to == CircuitState.Open)
            {
                Volatile.Write(ref _openUntil, now + (_coolDown.Ticks / 10));
            }

            SetState(to);
            return to;
        }
    }

    private void SetState(CircuitState state)
    {
        if ((CircuitState)Interlocked.Exchange(ref _state, (int)state) != state)
        {
            StateChanged?.Invoke(state);
        }
    }

    private long Now() => Algorithms.RateLimitAlgorithms.Now(_timeProvider);
}
