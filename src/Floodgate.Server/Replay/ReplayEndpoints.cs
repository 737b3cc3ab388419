using Floodgate.AspNetCore;
using Floodgate.AspNetCore.Replay;
using Floodgate.Server.Admin;
using Floodgate.Server.Policies;
using Floodgate.Server.Recording;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Replay;

/// <summary>
/// <c>POST /admin/replay</c>: candidate policies tried on the recorded traffic of a range (the last fifteen minutes by
/// default), on fresh state with the records' own times, and what they would have changed.
/// </summary>
internal static class ReplayEndpoints
{
    /// <summary>Candidate policies one replay takes.</summary>
    public const int MaxPolicies = 100;

    /// <summary>Endpoints and clients a report lists at most.</summary>
    public const int MaxTop = 100;

    public static void MapReplay(this WebApplication app)
    {
        var authorization = app.KeyAuthorization(AdminServiceCollectionExtensions.AuthorizationKey);
        app.MapGroup("/admin").RequireKey(authorization, KeyRequirement.Admin).WithTags("Admin")
            .MapPost("/replay", ReplayAsync)
            .WithName("replayPolicies")
            .WithSummary("Try candidate policies on the recorded traffic")
            .WithDescription("Replays the requests recorded in the range (default: the recording window up to now) through the candidate policies on fresh state, and reports per policy, endpoint and client what they admit and deny against what was actually decided.")
            .Accepts<ReplayRequest>("application/json")
            .Produces<ReplayResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<IResult> ReplayAsync(
        HttpContext context,
        RequestRecorder recorder,
        PolicyRuleSource stored,
        IOptionsMonitor<FloodgateOptions> options,
        IOptions<RecordingOptions> recording,
        TimeProvider time,
        [FromServices] RecordingExchange? exchange = null)
    {
        var body = await Json.ReadAsync(context, ServerJsonContext.Default.ReplayRequest);
        if (body.Error is { } error)
        {
            return error;
        }

        var request = body.Value!;
        var floodgate = options.CurrentValue;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var policies = Candidates(request.Policies ?? [.. stored.Policies], floodgate, errors);
        var to = request.To ?? time.GetUtcNow();
        var from = request.From ?? to - recording.Value.Window;
        if (from >= to)
        {
            errors["from"] = [$"Must be before 'to' ({to:O}); was {from:O}."];
        }

        if (request.Top is < 1 or > MaxTop)
        {
            errors["top"] = [$"Between 1 and {MaxTop}; was {request.Top}."];
        }

        ReplayEngine? engine = null;
        if (errors.Count == 0 && !ReplayEngine.TryCreate(floodgate, [.. policies.Select(p => p.ToRule())], out engine, out var problems))
        {
            errors["policies"] = [.. problems];
        }

        if (errors.Count > 0 || engine is null)
        {
            return Results.ValidationProblem(errors, title: "Invalid replay");
        }

        var gathered = exchange is null
            ? new RecordingGathered([recorder.Read(from, to)], 1, recorder.Dropped)
            : await exchange.GatherAsync(from, to, context.RequestAborted);
        var report = engine.Replay(Merge(gathered.Parts), request.Top ?? ReplayRun.DefaultTop);
        return Results.Json(
            new ReplayResponse(from, to, gathered.Instances, gathered.Dropped, report.Total, report.Policies, report.Endpoints, report.Clients, report.EndpointCount, report.ClientCount, report.OutOfOrder),
            ServerJsonContext.Default.ReplayResponse);
    }

    /// <summary>The candidates, each checked as <c>/admin/configs</c> checks a policy, errors keyed <c>policies[i].field</c>; an id is given where none is.</summary>
    private static List<PolicyDocument> Candidates(List<PolicyDocument> policies, FloodgateOptions options, Dictionary<string, string[]> errors)
    {
        if (policies.Count > MaxPolicies)
        {
            errors["policies"] = [$"At most {MaxPolicies} policies; was {policies.Count}."];
            return [];
        }

        var candidates = new List<PolicyDocument>(policies.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < policies.Count; i++)
        {
            if (policies[i] is not { } policy)
            {
                errors[$"policies[{i}]"] = ["A policy object is required."];
                continue;
            }

            policy = policy with { Id = policy.Id ?? $"candidate-{i + 1}" };
            foreach (var (field, messages) in policy.Validate(options))
            {
                errors[$"policies[{i}].{field}"] = messages;
            }

            if (!ids.Add(policy.Id!))
            {
                errors[$"policies[{i}].id"] = [$"'{policy.Id}' appears more than once."];
            }

            candidates.Add(policy.Canonical());
        }

        return candidates;
    }

    /// <summary>
    /// The parts (one per instance) as one trace in time order. A part is in the order its requests ended; each is put
    /// in the order they arrived first (stable: requests of one microsecond keep their order).
    /// </summary>
    private static IEnumerable<TraceRecord> Merge(List<List<RecordedRequest>> parts)
    {
        for (var i = 0; i < parts.Count; i++)
        {
            parts[i] = [.. parts[i].OrderBy(r => r.Time)];
        }

        if (parts.Count == 1)
        {
            foreach (var request in parts[0])
            {
                yield return request.ToTrace();
            }

            yield break;
        }

        var next = new int[parts.Count];
        while (true)
        {
            var earliest = -1;
            for (var i = 0; i < parts.Count; i++)
            {
                if (next[i] < parts[i].Count && (earliest < 0 || parts[i][next[i]].Time < parts[earliest][next[earliest]].Time))
                {
                    earliest = i;
                }
            }

            if (earliest < 0)
            {
                yield break;
            }

            yield return parts[earliest][next[earliest]++].ToTrace();
        }
    }
}
