namespace Floodgate;

/// <summary>The defense layer that produced a decision.</summary>
public enum RateLimitLayer
{
    /// <summary>A decision taken directly against a store, outside any layer.</summary>
    None = 0,

    /// <summary>The per-client limit of a rule.</summary>
    Client = 1,

    /// <summary>All clients of one endpoint together.</summary>
    Endpoint = 2,

    /// <summary>All traffic of the application.</summary>
    Global = 3,
}
