using Floodgate.AspNetCore.Identification;
using Floodgate.Penalties;

namespace Floodgate.AspNetCore.Status;

/// <summary>A caller's standing (<see cref="FloodgatePolicies.GetStatusAsync"/>).</summary>
/// <param name="Client">Who the caller is, as the middleware identifies it.</param>
/// <param name="Ban">The caller's ban, or null.</param>
/// <param name="Policies">The default policy, then every rule, each with the caller's standing.</param>
public sealed record ClientStatus(ClientIdentity Client, BanRecord? Ban, IReadOnlyList<PolicyStatus> Policies);
