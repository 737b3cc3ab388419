using Floodgate.AspNetCore;
using Floodgate.AspNetCore.Identification;
using Floodgate.AspNetCore.Policies;
using Floodgate.Penalties;
using Floodgate.Storage;
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

    private static async Task<Ok<StatusResponse>> StatusAsync(HttpContext context, FloodgateSettingsProvider provider, IdentityGuard identities, IRateLimitStore store, IPenaltyBox bans, TimeProvider time)
    {
        var settings = provider.Current;
        var client = await identities.ConfirmAsync(settings.Identifier.Identify(context), context, settings.Options.Identification, context.RequestAborted);
        var ban = await bans.GetBanAsync(client.Id, context.RequestAborted) ??
            (client.PenaltyKey == client.Id ? null : await bans.GetBanAsync(client.PenaltyKey, context.RequestAborted));
        var policies = new List<PolicyStanding>();
        foreach (var policy in settings.Rules.Prepend(settings.DefaultPolicy))
        {
            var key = PolicyKey(policy, client, context);
            var limits = new List<LimitStanding>();
            foreach (var limit in policy.Limits)
            {
                var standing = await store.PeekAsync(key, limit, context.RequestAborted);
                limits.Add(new LimitStanding(limit.ToString(), Math.Max(standing.Remaining, 0), Math.Round(standing.ResetAfter.TotalSeconds, 3), standing.IsAllowed));
            }

            policies.Add(new PolicyStanding(policy.Name, policy.Path?.Pattern, policy.Methods?.Order(StringComparer.Ordinal), policy.Scope.ToString(), limits));
        }

        return TypedResults.Ok(new StatusResponse(
            client.Id,
            client.AddressKey,
            client.IsVerified,
            ban is not null,
            ban?.ExpiresAt,
            ban is null ? null : Math.Ceiling(ban.Remaining(time.GetUtcNow()).TotalSeconds),
            policies));
    }

    /// <summary>The key a policy uses for this caller; endpoint- and global-scoped policies are keyed by route, so the status shows the path pattern's key.</summary>
    private static string PolicyKey(RateLimitPolicy policy, ClientIdentity client, HttpContext context) => policy.Scope switch
    {
        RuleScope.ApiKey => policy.KeyPrefix + (client.ApiKeyHash ?? client.AddressKey),
        RuleScope.Ip => policy.KeyPrefix + client.AddressKey,
        RuleScope.Global => policy.KeyPrefix + "all",
        RuleScope.Endpoint => policy.KeyPrefix + "endpoint:" + (policy.Methods?.FirstOrDefault() ?? context.Request.Method) + " " + policy.Path?.Pattern,
        _ => policy.KeyPrefix + client.Id,
    };
}
