namespace Floodgate.Server.Decisions;

/// <summary>Who may call the decision API (<c>Floodgate:DecisionApi</c>).</summary>
public sealed class DecisionApiOptions
{
    /// <summary>Accepted keys, sent like the admin key. Without any, only loopback callers whose request carries no proxy header are let in.</summary>
    public List<string> Keys { get; set; } = [];
}
