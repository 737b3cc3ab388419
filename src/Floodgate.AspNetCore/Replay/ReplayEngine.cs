using System.Diagnostics.CodeAnalysis;

namespace Floodgate.AspNetCore.Replay;

/// <summary>
/// A candidate policy set, compiled exactly as the middleware compiles its settings, that replays traces of requests:
/// each replay starts from fresh state and reads time from the records, so a trace of fifteen minutes replays in as
/// long as the CPU takes. Reusable and safe to share; each <see cref="Start"/> is an independent run.
/// </summary>
/// <remarks>
/// What a replay decides is what the rate limit layers decide: the first matching policy (or <c>default</c>), its tier
/// limits, its scope and cost, and the global and per-endpoint layers, all or nothing, as the in-memory store does.
/// A trace carries one identity per request, so <see cref="RuleScope.ApiKey"/> and <see cref="RuleScope.Ip"/> policies
/// count per <see cref="TraceRecord.Client"/>, and a sensitive policy's second count for the client's address is not
/// made. Bans, the circuit breaker, slow-down, shadow mode and <c>[RateLimit]</c> attributes on endpoints are outside
/// the replay: a request that a ban denied is a denial no policy makes, and shows as newly admitted.
/// </remarks>
public sealed class ReplayEngine
{
    /// <summary>The policy name that requests on exempt paths count under.</summary>
    public const string ExemptName = "(exempt)";

    private ReplayEngine(FloodgateSettings settings)
    {
        Settings = settings;
        PolicyNames = [.. settings.Rules.Select(r => r.Name), settings.DefaultPolicy.Name, ExemptName];
    }

    /// <summary>The policies in the order a request is matched against them, then <c>default</c> and <see cref="ExemptName"/>.</summary>
    public IReadOnlyList<string> PolicyNames { get; }

    internal FloodgateSettings Settings { get; }

    /// <summary>
    /// Compiles a candidate: <paramref name="options"/> (the default limit and algorithm, configured rules, exempt paths,
    /// the global and per-endpoint layers) with <paramref name="policies"/> matched ahead of the configured rules, as the
    /// middleware applies run-time policies from an <see cref="IRateLimitRuleSource"/>.
    /// </summary>
    /// <param name="options">The options; the middleware's own, or read from a configuration file.</param>
    /// <param name="policies">Run-time policies, first match wins; none when null.</param>
    /// <exception cref="ArgumentException">A limit, rule or pattern does not compile; the message has one line per problem, naming its key.</exception>
    public static ReplayEngine Create(FloodgateOptions options, IReadOnlyList<RuleOptions>? policies = null) =>
        TryCreate(options, policies, out var engine, out var errors)
            ? engine
            : throw new ArgumentException("The candidate policies do not compile:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(policies));

    /// <summary>As <see cref="Create"/>, returning the problems instead of throwing.</summary>
    /// <param name="options">The options.</param>
    /// <param name="policies">Run-time policies, first match wins; none when null.</param>
    /// <param name="engine">The engine, when every policy compiled.</param>
    /// <param name="errors">One line per problem, naming its key (<c>Floodgate:Rules:0:Limit</c>, <c>policy 'login'</c>).</param>
    public static bool TryCreate(FloodgateOptions options, IReadOnlyList<RuleOptions>? policies, [NotNullWhen(true)] out ReplayEngine? engine, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var policyProblems = new List<string>();
        var settings = FloodgateSettings.Build(options, policies ?? [], problems, policyProblems);
        problems.AddRange(policyProblems);
        errors = problems;
        engine = settings is not null && problems.Count == 0 ? new ReplayEngine(settings) : null;
        return engine is not null;
    }

    /// <summary>Starts a run on fresh state: feed it records in time order with <see cref="ReplayRun.Add"/>.</summary>
    public ReplayRun Start() => new(this);

    /// <summary>Replays <paramref name="trace"/> on fresh state.</summary>
    /// <param name="trace">Records in time order.</param>
    /// <param name="top">How many endpoints and clients the report lists.</param>
    public ReplayReport Replay(IEnumerable<TraceRecord> trace, int top = ReplayRun.DefaultTop)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var run = Start();
        foreach (var record in trace)
        {
            run.Add(record);
        }

        return run.GetReport(top);
    }

    /// <summary>Replays <paramref name="trace"/> on fresh state.</summary>
    /// <param name="trace">Records in time order.</param>
    /// <param name="top">How many endpoints and clients the report lists.</param>
    public ReplayReport Replay(ReadOnlySpan<TraceRecord> trace, int top = ReplayRun.DefaultTop)
    {
        var run = Start();
        foreach (ref readonly var record in trace)
        {
            run.Add(record);
        }

        return run.GetReport(top);
    }

    /// <summary>Replays <paramref name="trace"/> on fresh state as it arrives.</summary>
    /// <param name="trace">Records in time order.</param>
    /// <param name="top">How many endpoints and clients the report lists.</param>
    /// <param name="cancellationToken">Stops the replay.</param>
    public async ValueTask<ReplayReport> ReplayAsync(IAsyncEnumerable<TraceRecord> trace, int top = ReplayRun.DefaultTop, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var run = Start();
        await foreach (var record in trace.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            run.Add(record);
        }

        return run.GetReport(top);
    }
}
