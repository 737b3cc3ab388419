using Floodgate.Layers;
using Microsoft.Extensions.Logging;

namespace Floodgate.AspNetCore;

/// <summary>
/// Floodgate's long-lived state, which outlives every reload of <see cref="FloodgateSettings"/>: the global circuit
/// breaker. A reload (an operator's policy edit, a changed file) keeps the breaker and its state; only a changed
/// threshold or cool-down replaces it, since the old counts no longer mean what the new threshold measures.
/// </summary>
internal sealed class FloodgateRuntime
{
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<FloodgateRuntime> _logger;
    private readonly Lock _apply = new();
    private volatile CircuitBreaker? _breaker;
    private (RateLimit? Threshold, TimeSpan CoolDown) _breakerShape;

    public FloodgateRuntime(TimeProvider timeProvider, ILogger<FloodgateRuntime> logger)
    {
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The global circuit breaker, or null when none is configured.</summary>
    public CircuitBreaker? Breaker => _breaker;

    /// <summary>Adopts what <paramref name="settings"/> configure, keeping every piece of state they leave as it was.</summary>
    public void Apply(FloodgateSettings settings)
    {
        var shape = (settings.BreakerThreshold, settings.Options.Global.CircuitBreaker.CoolDown);
        lock (_apply)
        {
            if (Equals(_breakerShape.Threshold, shape.BreakerThreshold) && _breakerShape.CoolDown == shape.CoolDown)
            {
                return;
            }

            _breakerShape = shape;
            if (shape.BreakerThreshold is { } threshold)
            {
                var breaker = new CircuitBreaker(threshold, shape.CoolDown, _timeProvider);
                breaker.StateChanged += state => Log.CircuitChanged(_logger, state);
                _breaker = breaker;
            }
            else
            {
                _breaker = null;
            }
        }
    }
}
