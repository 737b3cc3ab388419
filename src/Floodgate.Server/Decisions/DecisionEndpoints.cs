using Floodgate.AspNetCore;
using Floodgate.Server.Admin;
using Floodgate.Storage;

namespace Floodgate.Server.Decisions;

/// <summary>
/// <c>POST /v1/check</c> and <c>POST /v1/check/batch</c>: rate-limit decisions for services in any language. Their
/// state is keyed <c>d|{policy or limit}|{key}</c>: the HTTP middleware keys its own <c>h|{policy}|{client}</c>, so a
/// caller of the decision API never spends, nor is spent by, an HTTP client's quota.
/// </summary>
internal static class DecisionEndpoints
{
    private const int MaxBatch = 32;

    // The stores decide at most this many limits as one (InMemoryRateLimitStore's batch, which is also the Redis
    // store's fallback): an atomic batch of more limits is refused, never decided in parts.
    private const int MaxAtomicLimits = 32;

    public static void MapDecisionApi(this WebApplication app)
    {
        var authorization = app.KeyAuthorization(DecisionServiceCollectionExtensions.AuthorizationKey, "decision API", "Floodgate:DecisionApi:Keys");
        var group = app.MapGroup("/v1").RequireKey(authorization, KeyRequirement.DecisionApi).WithTags("Decision API");
        group.MapPost("/check", CheckAsync)
            .WithName("check")
            .WithSummary("Decide one request for a key")
            .Accepts<CheckRequest>("application/json")
            .Produces<CheckResponse>()
            .ProducesJsonBodyProblems()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapPost("/check/batch", BatchAsync)
            .WithName("checkBatch")
            .WithSummary("Decide several requests in one round trip")
            .Accepts<BatchCheckRequest>("application/json")
            .Produces<CheckResponse[]>()
            .ProducesJsonBodyProblems()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
    }

    private static async Task<IResult> CheckAsync(HttpContext context, IRateLimitStore store, FloodgateSettingsProvider settings)
    {
        var request = await Json.ReadAsync(context, ServerJsonContext.Default.CheckRequest);
        if (request.Error is { } error)
        {
            return error;
        }

        if (!TryResolve(request.Value!, settings.Current, "", out var resolved, out var errors))
        {
            return Results.ValidationProblem(errors);
        }

        var decisions = new RateLimitDecision[resolved.Length];
        var decision = await store.AcquireAllAsync(resolved, decisions, context.RequestAborted);
        return Results.Ok(ToResponse(decision));
    }

    private static async Task<IResult> BatchAsync(HttpContext context, IRateLimitStore store, FloodgateSettingsProvider settings)
    {
        var request = await Json.ReadAsync(context, ServerJsonContext.Default.BatchCheckRequest);
        if (request.Error is { } error)
        {
            return error;
        }

        var checks = request.Value!.Checks;
        if (checks is not { Count: > 0 and <= MaxBatch })
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["checks"] = [$"Between 1 and {MaxBatch} checks are required."] });
        }

        var all = new List<RateLimitRequest>();
        var owners = new List<int>();
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < checks.Count; i++)
        {
            if (TryResolve(checks[i], settings.Current, $"checks[{i}].", out var resolved, out var checkErrors))
            {
                all.AddRange(resolved);
                owners.AddRange(Enumerable.Repeat(i, resolved.Length));
            }
            else
            {
                foreach (var (key, value) in checkErrors)
                {
                    errors[key] = value;
                }
            }
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var responses = new CheckResponse[checks.Count];
        if (request.Value.Atomic)
        {
            if (all.Count > MaxAtomicLimits)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["checks"] = [$"An atomic batch decides at most {MaxAtomicLimits} limits as one (the store's cap); these checks name {all.Count}. Split them, or send them without \"atomic\"."],
                });
            }

            // The stores decide each (key, limit) once per batch: a repeated one would be admitted against the same state twice.
            var seen = new HashSet<(string, RateLimit)>();
            for (var j = 0; j < all.Count; j++)
            {
                if (!seen.Add((all[j].Key, all[j].Limit)))
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]>
                    {
                        [$"checks[{owners[j]}]"] = [$"Repeats the key and limit {all[j].Limit} of an earlier check; an atomic batch names each once (add their costs instead)."],
                    });
                }
            }

            var decisions = new RateLimitDecision[all.Count];
            await store.AcquireAllAsync(all.ToArray(), decisions, context.RequestAborted);
            for (var i = 0; i < checks.Count; i++)
            {
                responses[i] = ToResponse(RateLimitDecisions.Decisive(decisions.Where((_, j) => owners[j] == i).ToArray()));
            }

            return Results.Ok(responses);
        }

        for (var i = 0; i < checks.Count; i++)
        {
            var mine = all.Where((_, j) => owners[j] == i).ToArray();
            responses[i] = ToResponse(await store.AcquireAllAsync(mine, new RateLimitDecision[mine.Length], context.RequestAborted));
        }

        return Results.Ok(responses);
    }

    private static bool TryResolve(CheckRequest check, FloodgateSettings settings, string prefix, out RateLimitRequest[] requests, out Dictionary<string, string[]> errors)
    {
        errors = [];
        requests = [];
        if (string.IsNullOrWhiteSpace(check.Key) || check.Key.Length > 512)
        {
            errors[prefix + "key"] = ["A key of 1 to 512 characters is required."];
        }

        var cost = check.Cost ?? 1;
        if (cost is < 0 or > RateLimit.MaxCount)
        {
            errors[prefix + "cost"] = ["A cost between 0 and the limit is required."];
        }

        RateLimit[]? limits = null;
        if (check.Policy is { } policyName)
        {
            if (check.Limit is not null)
            {
                errors[prefix + "policy"] = ["Give either a policy or a limit, not both."];
            }
            else if (settings.FindPolicy(policyName) is { } policy)
            {
                limits = policy.Limits;
            }
            else
            {
                errors[prefix + "policy"] = [$"No policy is called '{policyName}'."];
            }
        }
        else if (check.Limit is null)
        {
            errors[prefix + "limit"] = ["A limit such as \"10/minute\" or a policy name is required."];
        }
        else
        {
            RateLimitAlgorithm? algorithm = null;
            if (check.Algorithm is { } text)
            {
                if (EnumNames.TryParse<RateLimitAlgorithm>(text, out var parsed))
                {
                    algorithm = parsed;
                }
                else
                {
                    errors[prefix + "algorithm"] = [$"One of {EnumNames.List<RateLimitAlgorithm>()} (any case, or snake_case such as token_bucket); was '{text}'."];
                }
            }

            if (!Floodgate.AspNetCore.Policies.PolicyCompiler.TryParseLimits(check.Limit, algorithm, null, settings.Options.Algorithm, out limits, out var limitError))
            {
                errors[prefix + "limit"] = [limitError];
            }
        }

        if (errors.Count > 0 || limits is null)
        {
            return false;
        }

        // "d|" begins no key of the HTTP middleware ("h|"): the two never share state.
        requests = check.Policy is { } name
            ? [.. limits.Select(l => new RateLimitRequest("d|" + name + "|" + check.Key, l, cost))]
            : [.. limits.Select(l => new RateLimitRequest("d|" + l + "|" + check.Key, l, cost))];
        return true;
    }

    private static CheckResponse ToResponse(RateLimitDecision decision) => new(
        decision.IsAllowed,
        decision.Limit,
        Math.Max(decision.Remaining, 0),
        Math.Round(decision.ResetAfter.TotalSeconds, 3),
        decision.IsAllowed ? 0 : decision.RetryAfter == Timeout.InfiniteTimeSpan ? null : Math.Round(decision.RetryAfter.TotalSeconds, 3),
        decision.IsAllowed ? null : Floodgate.Diagnostics.RateLimitNames.Reason(decision.Reason));
}
