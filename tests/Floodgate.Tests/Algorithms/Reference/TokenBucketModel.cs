namespace Floodgate.Tests.Algorithms.Reference;

/// <summary>
/// Token bucket in exact integer arithmetic: tokens spent are kept multiplied by the window, so a refill of
/// <c>elapsed × count / window</c> tokens is the integer <c>elapsed × count</c>. The real algorithm advertises a
/// retry-after one microsecond past the exact instant the tokens are there; the model does the same.
/// </summary>
internal sealed class TokenBucketModel(RateLimit limit) : IReferenceModel
{
    private readonly long _window = limit.Window.Ticks / 10;
    private Int128 _spentTimesWindow;
    private long _stamp;

    public ModelDecision Decide(long now, long cost, bool consume)
    {
        var spent = Int128.Max(_spentTimesWindow - ((Int128)(now - _stamp) * limit.Count), 0);
        var capacity = (Int128)limit.Capacity * _window;
        var tokensFloor = (long)((capacity - spent) / _window);

        if (cost > limit.Capacity)
        {
            return ModelDecision.TooCostly(tokensFloor, UntilFull(spent));
        }

        var needed = (Int128)cost * _window;
        if (capacity - spent < needed)
        {
            var wait = CeilingDivide(spent - (capacity - needed), limit.Count);
            return ModelDecision.Deny(tokensFloor, wait + 1, UntilFull(spent));
        }

        if (consume && cost > 0)
        {
            _spentTimesWindow = spent + needed;
            _stamp = now;
            spent = _spentTimesWindow;
        }

        return ModelDecision.Allow((long)((capacity - spent - (consume ? 0 : needed)) / _window), UntilFull(spent));
    }

    private long UntilFull(Int128 spent) => CeilingDivide(spent, limit.Count);

    private static long CeilingDivide(Int128 dividend, long divisor) => (long)((dividend + divisor - 1) / divisor);
}
