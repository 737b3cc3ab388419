namespace Floodgate.Layers;

/// <summary>What the global layer does while its circuit breaker is open.</summary>
public enum DefenseMode
{
    /// <summary>Authenticated and API-key clients still pass; anonymous traffic is shed.</summary>
    Adaptive = 0,

    /// <summary>Everything but exempt routes is rejected.</summary>
    Lockdown = 1,

    /// <summary>The circuit breaker only reports; nothing is shed.</summary>
    Disabled = 2,
}
