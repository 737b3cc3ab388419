using Floodgate.AspNetCore.Identification;

namespace Floodgate.AspNetCore.Steps;

/// <summary>What the request path decided for one request, with what the response needs to tell it.</summary>
/// <param name="Outcome">Continue (allowed), reject, delay or shadow.</param>
/// <param name="Decision">The decision that spoke for the request.</param>
/// <param name="Client">Who the request comes from.</param>
/// <param name="Tier">The client's tier, when it has one.</param>
/// <param name="Limits">The limits of the policy that applied (the tier's, when it has its own).</param>
/// <param name="Delay">How long a delayed request waits.</param>
internal readonly record struct RequestVerdict(RequestOutcome Outcome, RateLimitDecision Decision, ClientIdentity Client, string? Tier, RateLimit[] Limits, TimeSpan Delay = default);
