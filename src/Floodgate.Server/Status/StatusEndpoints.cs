using Floodgate.AspNetCore.Status;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Floodgate.Server.Status;

/// <summary><c>GET /rate-limit/status</c> and <c>GET /stats</c>: the caller's own standing on every policy, consuming nothing.</summary>
internal static class StatusEndpoints
{
    public static void MapStatus(this WebApplication app)
    {
        app.MapGet("/rate-limit/status", StatusAsync).WithTags("Status").WithName("getRateLimitStatus")
            .WithSummary("Your standing on every policy (consumes nothing)");
        app.MapGet("/stats", StatusAsync).WithTags("Status").WithName("getOwnStats")
            .WithSummary("Your standing on every policy (consumes nothing; same as /rate-limit/status)");
    }

    private static async Task<Ok<StatusResponse>> StatusAsync(HttpContext context, FloodgatePolicies policies, TimeProvider time)
    {
        var status = await policies.GetStatusAsync(context, context.RequestAborted);
        var client = status.Client;
        var ban = status.Ban;
        var standings = new List<PolicyStanding>(status.Policies.Count);
        foreach (var policy in status.Policies)
        {
            var limits = new List<LimitStanding>(policy.Standings.Count);
            foreach (var standing in policy.Standings)
            {
                limits.Add(new LimitStanding(standing.Rule!.ToString(), Math.Max(standing.Remaining, 0), Math.Round(standing.ResetAfter.TotalSeconds, 3), standing.IsAllowed));
            }

            standings.Add(new PolicyStanding(policy.Name, policy.Path, policy.Methods, policy.Scope.ToString(), limits));
        }

        return TypedResults.Ok(new StatusResponse(
            client.Id,
            client.AddressKey,
            client.IsVerified,
            ban is not null,
            ban?.ExpiresAt,
            ban is null ? null : Math.Ceiling(ban.Remaining(time.GetUtcNow()).TotalSeconds),
            standings));
    }
}
