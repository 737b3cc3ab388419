using Floodgate.AspNetCore;
using Floodgate.Penalties;
using Floodgate.Server.Live;
using Floodgate.Server.Policies;
using Floodgate.Server.Stats;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Admin;

/// <summary><c>/admin</c>: policies (validated, persisted, applied to the next request), traffic statistics and bans.</summary>
internal static class AdminEndpoints
{
    private const int MaxStatsBans = 100;

    public static void MapAdminApi(this WebApplication app)
    {
        var authorization = app.KeyAuthorization(AdminServiceCollectionExtensions.AuthorizationKey, "admin API", "Floodgate:Admin:ApiKey");
        var admin = app.MapGroup("/admin").RequireKey(authorization, KeyRequirement.Admin).WithTags("Admin")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        admin.MapGet("/configs", async (IPolicyStore store, CancellationToken ct) => Results.Ok(await store.ListAsync(ct)))
            .WithName("listPolicies").WithSummary("List the run-time policies").Produces<List<PolicyDocument>>();
        admin.MapGet("/configs/{id}", async (string id, IPolicyStore store, CancellationToken ct) =>
                (await store.ListAsync(ct)).FirstOrDefault(p => p.Id == id) is { } policy ? Results.Ok(policy) : NotFound(id))
            .WithName("getPolicy").WithSummary("Read one policy").Produces<PolicyDocument>().ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/configs", CreateAsync)
            .WithName("createPolicy").WithSummary("Create a policy; applies to the next request").Accepts<PolicyDocument>("application/json")
            .Produces<PolicyDocument>(StatusCodes.Status201Created).ProducesJsonBodyProblems()
            .ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapPut("/configs/{id}", ReplaceAsync)
            .WithName("replacePolicy").WithSummary("Create or replace a policy; applies to the next request").Accepts<PolicyDocument>("application/json")
            .Produces<PolicyDocument>().ProducesJsonBodyProblems();
        admin.MapDelete("/configs/{id}", async (string id, IPolicyStore store, PolicyRuleSource rules, LiveHub live, CancellationToken ct) =>
            {
                if (!await store.DeleteAsync(id, ct))
                {
                    return NotFound(id);
                }

                await rules.ReloadAsync();
                live.Publish(new ConfigChangedEvent(live.Now, "deleted", id, null));
                return Results.NoContent();
            })
            .WithName("deletePolicy").WithSummary("Delete a policy").Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapGet("/stats", async (TrafficStats stats, IPenaltyBox bans, CancellationToken ct) =>
        {
            // Bounded whatever the traffic: the busiest endpoints (the rest as "(other)"), clients and bans.
            var inForce = await bans.ListBansAsync(ct);
            return TypedResults.Ok(new TrafficSummary(stats.Allowed, stats.Denied, stats.Endpoints(), stats.TopClients(20), inForce.Take(MaxStatsBans), inForce.Count));
        }).WithName("getTrafficStats").WithSummary($"Totals, the busiest endpoints and clients, and up to {MaxStatsBans} bans in force (all of them: /admin/bans)");
        admin.MapGet("/stats/{clientId}", async (string clientId, TrafficStats stats, IPenaltyBox bans, CancellationToken ct) =>
        {
            clientId = ClientId(clientId);
            var traffic = stats.Client(clientId);
            var ban = await bans.GetBanAsync(clientId, ct);
            return traffic is null && ban is null
                ? NotFound(clientId, "client")
                : Results.Ok(new ClientTraffic(clientId, traffic?.Allowed ?? 0, traffic?.Denied ?? 0, ban));
        }).WithName("getClientStats").WithSummary("One client's traffic and ban").Produces<ClientTraffic>().ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapGet("/bans", async (IPenaltyBox bans, CancellationToken ct) => Results.Ok(await bans.ListBansAsync(ct)))
            .WithName("listBans").WithSummary("Bans in force").Produces<IReadOnlyList<BanRecord>>();
        admin.MapDelete("/bans/{clientId}", UnbanAsync).WithName("deleteBan").WithSummary("Lift a ban")
            .Produces<UnbanResponse>().ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/unblock/{clientId}", UnbanAsync).WithName("unblockClient").WithSummary("Lift a ban (same as DELETE /admin/bans/{clientId})")
            .Produces<UnbanResponse>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> UnbanAsync(string clientId, IPenaltyBox bans, CancellationToken ct)
    {
        clientId = ClientId(clientId);
        return await bans.UnbanAsync(clientId, ct) ? Results.Ok(new UnbanResponse(clientId, true)) : NotFound(clientId, "ban");
    }

    /// <summary>
    /// A client id from a path segment. The server decodes every escape of a path but <c>%2F</c>, so the id of an IPv6
    /// client (<c>ip:2001:db8::/64</c>, sent as <c>ip%3A2001%3Adb8%3A%3A%2F64</c>) arrives with its slash still escaped.
    /// Client ids never contain '%' themselves.
    /// </summary>
    internal static string ClientId(string segment) => Uri.UnescapeDataString(segment);

    private static async Task<IResult> CreateAsync(HttpContext context, IPolicyStore store, PolicyRuleSource rules, IOptions<FloodgateOptions> options, TimeProvider time, LiveHub live)
    {
        var body = await Json.ReadAsync(context, ServerJsonContext.Default.PolicyDocument);
        if (body.Error is { } error)
        {
            return error;
        }

        var policy = body.Value! with { Id = body.Value!.Id ?? "policy-" + Guid.NewGuid().ToString("N")[..8], UpdatedAt = time.GetUtcNow() };
        var errors = policy.Validate(options.Value);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        policy = policy.Canonical();

        if ((await store.ListAsync(context.RequestAborted)).Any(p => p.Id == policy.Id) || options.Value.Rules.Any(r => r.Name == policy.Id))
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: $"A policy called '{policy.Id}' exists; PUT /admin/configs/{policy.Id} replaces it.");
        }

        await store.SaveAsync(policy, context.RequestAborted);
        await rules.ReloadAsync();
        live.Publish(new ConfigChangedEvent(live.Now, "created", policy.Id!, policy));
        return Results.Created($"/admin/configs/{policy.Id}", policy);
    }

    private static async Task<IResult> ReplaceAsync(string id, HttpContext context, IPolicyStore store, PolicyRuleSource rules, IOptions<FloodgateOptions> options, TimeProvider time, LiveHub live)
    {
        var body = await Json.ReadAsync(context, ServerJsonContext.Default.PolicyDocument);
        if (body.Error is { } error)
        {
            return error;
        }

        if (body.Value!.Id is { } bodyId && bodyId != id)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["id"] = [$"The body's id '{bodyId}' differs from the path's '{id}'."] });
        }

        var policy = body.Value with { Id = id, UpdatedAt = time.GetUtcNow() };
        var errors = policy.Validate(options.Value);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        policy = policy.Canonical();

        var existed = (await store.ListAsync(context.RequestAborted)).Any(p => p.Id == id);
        await store.SaveAsync(policy, context.RequestAborted);
        await rules.ReloadAsync();
        live.Publish(new ConfigChangedEvent(live.Now, existed ? "updated" : "created", id, policy));
        return Results.Ok(policy);
    }

    private static IResult NotFound(string id, string what = "policy") =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"No {what} '{id}'.");
}
