namespace Floodgate.AspNetCore.Replay;

/// <summary>One line of a <see cref="ReplayReport"/>: a policy, an endpoint or a client, and its tally.</summary>
/// <param name="Name">The policy's name, the endpoint key, or the client id.</param>
/// <param name="Tally">What the candidate decided for its requests.</param>
public sealed record ReplayGroup(string Name, ReplayTally Tally);
