namespace Floodgate.AspNetCore;

/// <summary>The global layer (<c>Floodgate:Global</c>): all traffic together.</summary>
public sealed class GlobalLayerOptions
{
    /// <summary>The limit all non-exempt traffic shares, e.g. <c>"10000/minute"</c>. Off when empty.</summary>
    public string? Limit { get; set; }

    /// <summary>The surge detector that sheds traffic while open.</summary>
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();
}
