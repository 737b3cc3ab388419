namespace Floodgate.Tests.Algorithms.Reference;

/// <summary>
/// Sliding window counter: a count per fixed window; the estimate at <c>e</c> µs into a window is
/// <c>previous × (window − e) / window + current</c>, computed exactly (scaled by the window, in 128 bits).
/// A denial's retry-after is found by searching for the first instant the request would fit, plus the one
/// microsecond the real algorithm adds so that its floating-point arithmetic never denies at the advertised time.
/// </summary>
internal sealed class SlidingWindowCounterModel(RateLimit limit) : IReferenceModel
{
    private readonly Dictionary<long, long> _counts = [];
    private readonly long _window = limit.Window.Ticks / 10;

    public ModelDecision Decide(long now, long cost, bool consume)
    {
        var number = now / _window;
        var current = _counts.GetValueOrDefault(number);
        var scaledEstimate = ScaledEstimate(now);
        var scaledLimit = (Int128)limit.Count * _window;
        var available = Math.Max(FloorDivide(scaledLimit - scaledEstimate, _window), 0);

        if (cost > limit.Count)
        {
            return ModelDecision.TooCostly(available, ResetAfter(now, number));
        }

        if (scaledEstimate + ((Int128)cost * _window) > scaledLimit)
        {
            return ModelDecision.Deny(available, FirstFit(now, cost) - now + 1, ResetAfter(now, number));
        }

        if (consume && cost > 0)
        {
            _counts[number] = current + cost;
        }

        return ModelDecision.Allow(FloorDivide(scaledLimit - scaledEstimate - ((Int128)cost * _window), _window), ResetAfter(now, number));
    }

    /// <summary>The estimate at <paramref name="at"/>, times the window.</summary>
    private Int128 ScaledEstimate(long at)
    {
        var number = at / _window;
        var elapsed = at - (number * _window);
        return ((Int128)_counts.GetValueOrDefault(number - 1) * (_window - elapsed)) + ((Int128)_counts.GetValueOrDefault(number) * _window);
    }

    /// <summary>The first instant after <paramref name="now"/> at which <paramref name="cost"/> fits, with no further requests. The estimate never rises without requests, so a binary search finds it.</summary>
    private long FirstFit(long now, long cost)
    {
        var scaledRoom = (Int128)(limit.Count - cost) * _window;
        long low = now, high = ((now / _window) + 2) * _window; // low does not fit; high (both windows gone) does
        while (high - low > 1)
        {
            var middle = low + ((high - low) / 2);
            if (ScaledEstimate(middle) <= scaledRoom)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        return high;
    }

    private long ResetAfter(long now, long number) =>
        _counts.GetValueOrDefault(number) > 0 ? ((number + 2) * _window) - now
        : _counts.GetValueOrDefault(number - 1) > 0 ? ((number + 1) * _window) - now
        : 0;

    private static long FloorDivide(Int128 dividend, long divisor) =>
        (long)(dividend >= 0 ? dividend / divisor : -((-dividend + divisor - 1) / divisor));
}
