namespace Floodgate.Tests.Algorithms.Reference;

/// <summary>Sliding window log: a list of admission times, one per unit; a unit admitted at t counts while now &lt; t + window.</summary>
internal sealed class SlidingWindowLogModel(RateLimit limit) : IReferenceModel
{
    private readonly List<long> _admitted = [];
    private readonly long _window = limit.Window.Ticks / 10;

    public ModelDecision Decide(long now, long cost, bool consume)
    {
        var live = _admitted.Where(t => t + _window > now).Order().ToList();
        var resetAfter = live.Count == 0 ? 0 : live[^1] + _window - now;

        if (cost > limit.Count)
        {
            return ModelDecision.TooCostly(limit.Count - live.Count, resetAfter);
        }

        if (live.Count + cost > limit.Count)
        {
            // Wait until enough of the oldest have left: the k-th oldest leaves at its time + window.
            var mustLeave = live.Count + cost - limit.Count;
            return ModelDecision.Deny(limit.Count - live.Count, live[(int)mustLeave - 1] + _window - now, resetAfter);
        }

        if (consume && cost > 0)
        {
            _admitted.AddRange(Enumerable.Repeat(now, (int)cost));
            resetAfter = _window;
        }

        return ModelDecision.Allow(limit.Count - live.Count - cost, resetAfter);
    }
}
