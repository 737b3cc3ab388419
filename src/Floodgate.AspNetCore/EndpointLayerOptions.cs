namespace Floodgate.AspNetCore;

/// <summary>The per-endpoint layer (<c>Floodgate:Endpoint</c>): all clients of one endpoint together.</summary>
public sealed class EndpointLayerOptions
{
    /// <summary>The limit each endpoint (method + route) has for all its clients together, e.g. <c>"1000/minute"</c>. Off when empty.</summary>
    public string? Limit { get; set; }
}
