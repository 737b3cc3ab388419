namespace Floodgate.Tests.Algorithms.Reference;

/// <summary>Fixed window: a count per window number <c>now / window</c> (windows aligned to the epoch).</summary>
internal sealed class FixedWindowModel(RateLimit limit) : IReferenceModel
{
    private readonly Dictionary<long, long> _counts = [];
    private readonly long _window = limit.Window.Ticks / 10;

    public ModelDecision Decide(long now, long cost, bool consume)
    {
        var number = now / _window;
        var end = (number + 1) * _window;
        var used = _counts.GetValueOrDefault(number);

        if (cost > limit.Count)
        {
            return ModelDecision.TooCostly(limit.Count - used, used > 0 ? end - now : 0);
        }

        if (used + cost > limit.Count)
        {
            return ModelDecision.Deny(limit.Count - used, end - now, end - now);
        }

        if (consume)
        {
            _counts[number] = used + cost;
        }

        var after = _counts.GetValueOrDefault(number);
        return ModelDecision.Allow(limit.Count - used - cost, after > 0 ? end - now : 0);
    }
}
