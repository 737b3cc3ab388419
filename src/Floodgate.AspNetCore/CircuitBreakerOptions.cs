using Floodgate.Layers;

namespace Floodgate.AspNetCore;

/// <summary>The global circuit breaker (<c>Floodgate:Global:CircuitBreaker</c>).</summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>The traffic (all non-exempt requests) that opens the breaker, e.g. <c>"5000/second"</c>. Off when empty.</summary>
    public string? Threshold { get; set; }

    /// <summary>How long the breaker stays open before it half-opens to probe. Default 30 s.</summary>
    public TimeSpan CoolDown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What happens while open. Default <see cref="DefenseMode.Adaptive"/>.</summary>
    public DefenseMode Mode { get; set; } = DefenseMode.Adaptive;
}
