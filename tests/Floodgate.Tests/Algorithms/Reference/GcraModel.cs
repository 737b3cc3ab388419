namespace Floodgate.Tests.Algorithms.Reference;

/// <summary>
/// GCRA as the continuous-state leaky bucket (ITU-T I.371): a level in microseconds drains one per microsecond;
/// each unit adds the emission interval T; a request conforms while level + cost × T ≤ τ = capacity × T.
/// T is <c>window / count</c> rounded up to a whole microsecond, as in the real algorithm.
/// </summary>
internal sealed class GcraModel(RateLimit limit) : IReferenceModel
{
    private readonly long _interval = ((limit.Window.Ticks / 10) + limit.Count - 1) / limit.Count;
    private long _level;
    private long _lastConformance;

    public ModelDecision Decide(long now, long cost, bool consume)
    {
        var tolerance = _interval * limit.Capacity;
        var level = Math.Max(_level - (now - _lastConformance), 0);
        var whole = (tolerance - level) / _interval;

        if (cost > limit.Capacity)
        {
            return ModelDecision.TooCostly(whole, level);
        }

        if (level + (cost * _interval) > tolerance)
        {
            return ModelDecision.Deny(whole, level + (cost * _interval) - tolerance, level);
        }

        if (consume && cost > 0)
        {
            _level = level + (cost * _interval);
            _lastConformance = now;
            level = _level;
        }

        return ModelDecision.Allow(whole - cost, level);
    }
}
