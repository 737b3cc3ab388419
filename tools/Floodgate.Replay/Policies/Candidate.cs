using Floodgate.AspNetCore;

namespace Floodgate.Replay.Policies;

/// <summary>What a policy file holds: Floodgate's options, and run-time policies matched ahead of their rules.</summary>
/// <param name="Options">The options (defaults when the file holds only policies).</param>
/// <param name="Policies">Policies in the admin API's form, turned into rules.</param>
/// <param name="Kind">What the file was read as, for the report.</param>
internal sealed record Candidate(FloodgateOptions Options, IReadOnlyList<RuleOptions> Policies, string Kind);
