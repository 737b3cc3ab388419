using Floodgate.AspNetCore.Status;

namespace Floodgate.Server.Status;

/// <summary><c>GET /rate-limit/status</c> and <c>GET /stats</c>: the caller's own standing on every policy, consuming nothing.</summary>
internal static class StatusEndpoints
{
    public static void MapStatus(this WebApplication app)
    {
        app.MapGet("/rate-limit/status", StatusAsync).WithTags("Status").WithSummary("Your standing on every policy (consumes nothing)");
        app.MapGet("/stats", StatusAsync).WithTags("Status").WithSummary("Your standing on every policy (consumes nothing)");
    }

    private static async Task<IResult> StatusAsync(HttpContext context, FloodgatePolicies policies, TimeProvider time)
    {
        var status = await policies.GetStatusAsync(context, context.RequestAborted);
        var client = status.Client;
        var ban = status.Ban;
        return Results.Ok(new
        {
            client = client.Id,
            address = client.AddressKey,
            verified = client.IsVerified,
            banned = ban is not null,
            ban_expires_at = ban?.ExpiresAt,
            retry_after = ban is null ? (double?)null : Math.Ceiling(ban.Remaining(time.GetUtcNow()).TotalSeconds),
            policies = status.Policies.Select(policy => new
            {
                policy = policy.Name,
                path = policy.Path,
                methods = policy.Methods,
                scope = policy.Scope.ToString(),
                limits = policy.Standings.Select(standing => new
                {
                    limit = standing.Rule?.ToString(),
                    remaining = Math.Max(standing.Remaining, 0),
                    reset_after = Math.Round(standing.ResetAfter.TotalSeconds, 3),
                    allowed = standing.IsAllowed,
                }),
            }),
        });
    }
}
