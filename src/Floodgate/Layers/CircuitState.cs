namespace Floodgate.Layers;

/// <summary>The state of the global circuit breaker.</summary>
public enum CircuitState
{
    /// <summary>Traffic is under the threshold: every layer decides as usual.</summary>
    Closed = 0,

    /// <summary>Traffic crossed the threshold: the defense mode sheds traffic until the cool-down ends.</summary>
    Open = 1,

    /// <summary>The cool-down ended: traffic passes as usual while one threshold window probes whether the surge is over.</summary>
    HalfOpen = 2,
}
