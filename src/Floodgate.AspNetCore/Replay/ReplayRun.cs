using System.Diagnostics;
using System.Runtime.InteropServices;
using Floodgate.Algorithms;
using Floodgate.AspNetCore.Policies;
using Floodgate.Penalties;

namespace Floodgate.AspNetCore.Replay;

/// <summary>
/// One replay of a <see cref="ReplayEngine"/>'s candidate: fresh state, time read from each record. Not thread-safe:
/// one thread feeds it. Each request is decided by Floodgate's algorithms directly, without the store's locks or a
/// clock read, on state keyed as the store keys it; a record allocates nothing once its client and route were seen.
/// Bans follow from the candidate's own denials: an in-memory penalty box on the records' time counts each denial of
/// the client layer, as the middleware does (none in shadow mode, or on a slow-down rule).
/// </summary>
public sealed class ReplayRun
{
    /// <summary>How many endpoints and clients a report lists unless told otherwise.</summary>
    public const int DefaultTop = 20;

    /// <summary>The state space of the global layer (one key).</summary>
    private static readonly object GlobalSpace = new();

    /// <summary>The state space of the per-endpoint layer (one key per endpoint).</summary>
    private static readonly object EndpointSpace = new();

    private readonly FloodgateSettings _settings;
    private readonly ReplayClock _clock = new();
    private readonly InMemoryPenaltyBox? _penalties;
    private readonly RateLimitPolicy[] _policies;
    private readonly Dictionary<StateKey, AlgorithmState> _state = [];
    private readonly Dictionary<RouteKey, ReplayRoute> _routes = [];
    private readonly Dictionary<string, int> _endpointIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _clientIds = new(StringComparer.Ordinal);
    private readonly List<string> _endpointNames = [];
    private readonly List<string> _clientNames = [];
    private readonly ReplayCounts[] _policyCounts;
    private ReplayCounts[] _endpointCounts = new ReplayCounts[16];
    private ReplayClient[] _clients = new ReplayClient[256];
    private ReplayCounts _total;
    private long _latest = long.MinValue;
    private long _outOfOrder;

    internal ReplayRun(ReplayEngine engine)
    {
        _settings = engine.Settings;
        _policies = [.. _settings.Rules, _settings.DefaultPolicy];
        _policyCounts = new ReplayCounts[_policies.Length + 1]; // the last one counts exempt paths
        _penalties = _settings.Options.Penalty.Enabled && !_settings.ShadowMode ? new InMemoryPenaltyBox(_settings.Options.Penalty, _clock) : null;
    }

    /// <summary>Records replayed so far.</summary>
    public long Count => _total.Requests;

    /// <summary>Decides <paramref name="record"/> under the candidate and counts it against what was actually decided.</summary>
    /// <param name="record">The next record; records should come in time order.</param>
    /// <returns>Whether the candidate admits the request.</returns>
    public bool Add(in TraceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record.Client, nameof(record));
        ArgumentNullException.ThrowIfNull(record.Method, nameof(record));
        ArgumentNullException.ThrowIfNull(record.Path, nameof(record));
        ArgumentOutOfRangeException.ThrowIfNegative(record.Cost, nameof(record));

        if (record.Timestamp < _latest)
        {
            _outOfOrder++;
        }
        else
        {
            _latest = record.Timestamp;
        }

        var route = Route(record.Method, record.Path, record.Endpoint);
        var client = ClientId(record.Client);
        var admitted = route.Policy < 0 || Decide(_policies[route.Policy], route.Endpoint, client, record);

        _total.Add(admitted, record.Admitted);
        _policyCounts[route.Policy < 0 ? _policies.Length : route.Policy].Add(admitted, record.Admitted);
        _endpointCounts[route.Endpoint].Add(admitted, record.Admitted);
        _clients[client].Counts.Add(admitted, record.Admitted);
        return admitted;
    }

    /// <summary>The report of what was replayed so far.</summary>
    /// <param name="top">How many endpoints and clients to list, the most affected first.</param>
    public ReplayReport GetReport(int top = DefaultTop)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var policies = new List<ReplayGroup>();
        for (var i = 0; i < _policyCounts.Length; i++)
        {
            if (_policyCounts[i].Requests > 0)
            {
                policies.Add(new ReplayGroup(i < _policies.Length ? _policies[i].Name : ReplayEngine.ExemptName, _policyCounts[i].ToTally()));
            }
        }

        return new ReplayReport(
            _total.ToTally(),
            policies,
            MostAffected(_endpointCounts, _endpointNames, top),
            MostAffected(Array.ConvertAll(_clients.AsSpan(0, _clientNames.Count).ToArray(), c => c.Counts), _clientNames, top),
            _endpointNames.Count,
            _clientNames.Count,
            _outOfOrder);
    }

    /// <summary>As the middleware decides once it has the policy: a banned client is turned away; then the layers decide.</summary>
    private bool Decide(RateLimitPolicy policy, int endpoint, int client, in TraceRecord record)
    {
        if (_penalties is null)
        {
            return DecideLayers(policy, endpoint, client, record, out _);
        }

        // The client's ban, as the penalty box would answer, kept beside its counts: no look-up of the box per request.
        ref var slot = ref _clients[client];
        if (slot.BannedUntil > record.Timestamp)
        {
            return false;
        }

        if (DecideLayers(policy, endpoint, client, record, out var layer))
        {
            return true;
        }

        if (layer == RateLimitLayer.Client && policy.SlowDown is null)
        {
            // The in-memory box answers at once; nothing is waited for.
            _clock.Now = record.Timestamp;
            var violation = _penalties.RecordViolationAsync(record.Client);
            Debug.Assert(violation.IsCompletedSuccessfully, "The in-memory penalty box completes synchronously.");
            if (violation.Result is { } ban)
            {
                _clients[client].BannedUntil = TraceRecord.ToTimestamp(ban.ExpiresAt);
            }
        }

        return false;
    }

    /// <summary>
    /// The layers' decision, all or nothing as <c>LayerStep</c> asks the store: one limit is decided and consumed at once;
    /// several are all decided without consuming, and consumed only when all admit. A denial names the layer of the
    /// decisive denial (the longest wait, the first of equals), as <see cref="RateLimitDecisions.Decisive"/> chooses it.
    /// </summary>
    private bool DecideLayers(RateLimitPolicy policy, int endpoint, int client, in TraceRecord record, out RateLimitLayer deniedBy)
    {
        var limits = policy.LimitsFor(record.Tier);
        var permits = (long)record.Cost;
        var cost = policy.Cost * permits;
        var (space, id) = policy.Scope switch
        {
            RuleScope.Endpoint => (policy, endpoint),
            RuleScope.Global => (policy, -1),
            _ => ((object)policy, client),
        };
        var owner = policy.Scope is RuleScope.Endpoint or RuleScope.Global ? -1 : client;

        var global = _settings.GlobalLimit;
        var endpointLimit = _settings.EndpointLimit;
        var now = record.Timestamp;
        deniedBy = RateLimitLayer.Client;
        if (global is null && endpointLimit is null && limits.Length == 1)
        {
            return DecideOne(new StateKey(space, id, limits[0]), now, cost, consume: true, owner).IsAllowed;
        }

        var denial = new Denial();
        if (global is not null)
        {
            denial.Add(DecideOne(new StateKey(GlobalSpace, 0, global), now, permits, consume: false), RateLimitLayer.Global);
        }

        if (endpointLimit is not null)
        {
            denial.Add(DecideOne(new StateKey(EndpointSpace, endpoint, endpointLimit), now, permits, consume: false), RateLimitLayer.Endpoint);
        }

        foreach (var limit in limits)
        {
            denial.Add(DecideOne(new StateKey(space, id, limit), now, cost, consume: false, owner), RateLimitLayer.Client);
        }

        if (denial.Any)
        {
            deniedBy = denial.Layer;
            return false;
        }

        if (global is not null)
        {
            DecideOne(new StateKey(GlobalSpace, 0, global), now, permits, consume: true);
        }

        if (endpointLimit is not null)
        {
            DecideOne(new StateKey(EndpointSpace, endpoint, endpointLimit), now, permits, consume: true);
        }

        foreach (var limit in limits)
        {
            DecideOne(new StateKey(space, id, limit), now, cost, consume: true, owner);
        }

        return true;
    }

    /// <summary>Decides one limit on its state: the owning client's own slot when it holds this (policy, limit), else the table.</summary>
    private RateLimitDecision DecideOne(StateKey key, long now, long cost, bool consume, int owner = -1)
    {
        if (owner >= 0)
        {
            ref var slot = ref _clients[owner];
            slot.Space ??= key.Space;
            if (ReferenceEquals(slot.Space, key.Space))
            {
                slot.Limit ??= key.Limit;
                if (SameLimit(slot.Limit, key.Limit))
                {
                    return RateLimitAlgorithms.Decide(ref slot.State, key.Limit, now, cost, consume, out _);
                }

                slot.SecondLimit ??= key.Limit;
                if (SameLimit(slot.SecondLimit, key.Limit))
                {
                    return RateLimitAlgorithms.Decide(ref slot.SecondState, key.Limit, now, cost, consume, out _);
                }
            }
        }

        ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(_state, key, out _);
        return RateLimitAlgorithms.Decide(ref state, key.Limit, now, cost, consume, out _);
    }

    private static bool SameLimit(RateLimit held, RateLimit limit) => ReferenceEquals(held, limit) || held.Equals(limit);

    private ReplayRoute Route(string method, string path, string? endpoint)
    {
        ref var route = ref CollectionsMarshal.GetValueRefOrAddDefault(_routes, new RouteKey(method, path, endpoint), out var exists);
        if (!exists)
        {
            var policy = _settings.IsExempt(path) ? -1 : Array.IndexOf(_policies, _settings.MatchRule(method, path));
            route = new ReplayRoute(policy, EndpointId(endpoint ?? method + " " + path));
        }

        return route!;
    }

    private int EndpointId(string endpoint) => Intern(_endpointIds, _endpointNames, ref _endpointCounts, endpoint);

    private int ClientId(string client) => Intern(_clientIds, _clientNames, ref _clients, client);

    /// <summary>The number of <paramref name="name"/>, given on first sight, with room for it in <paramref name="slots"/>.</summary>
    private static int Intern<T>(Dictionary<string, int> ids, List<string> names, ref T[] slots, string name)
    {
        ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(ids, name, out var exists);
        if (!exists)
        {
            id = names.Count;
            names.Add(name);
            if (id >= slots.Length)
            {
                Array.Resize(ref slots, slots.Length * 2);
            }
        }

        return id;
    }

    /// <summary>The <paramref name="top"/> groups with the most changed decisions, then the most denials, then the most requests, then by name.</summary>
    private static List<ReplayGroup> MostAffected(ReplayCounts[] counts, List<string> names, int top)
    {
        var order = new int[names.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            var byChanged = (counts[b].NewlyDenied + counts[b].NewlyAdmitted).CompareTo(counts[a].NewlyDenied + counts[a].NewlyAdmitted);
            if (byChanged != 0)
            {
                return byChanged;
            }

            var byDenied = (counts[b].Requests - counts[b].Admitted).CompareTo(counts[a].Requests - counts[a].Admitted);
            return byDenied != 0 ? byDenied
                : counts[b].Requests.CompareTo(counts[a].Requests) is var byRequests and not 0 ? byRequests
                : string.CompareOrdinal(names[a], names[b]);
        });

        var result = new List<ReplayGroup>(Math.Min(top, order.Length));
        for (var i = 0; i < order.Length && i < top; i++)
        {
            result.Add(new ReplayGroup(names[order[i]], counts[order[i]].ToTally()));
        }

        return result;
    }

    /// <summary>The decisive denial among a request's limits so far.</summary>
    private struct Denial
    {
        private TimeSpan _wait;

        public bool Any { get; private set; }

        public RateLimitLayer Layer { get; private set; }

        public void Add(in RateLimitDecision decision, RateLimitLayer layer)
        {
            if (decision.IsAllowed)
            {
                return;
            }

            var wait = decision.RetryAfter == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : decision.RetryAfter;
            if (!Any || wait > _wait)
            {
                (Any, _wait, Layer) = (true, wait, layer);
            }
        }
    }

    /// <summary>A (method, path, endpoint) seen in the trace.</summary>
    private readonly record struct RouteKey(string Method, string Path, string? Endpoint);

    /// <summary>What a route resolves to: the index of its policy (−1 when exempt) and its endpoint's id.</summary>
    private sealed record ReplayRoute(int Policy, int Endpoint);

    /// <summary>
    /// The state of one limit for one key: the store's (key, limit), with the key as a space (a policy, or a layer) and
    /// a number in it (a client's, an endpoint's), so no key text is built per record.
    /// </summary>
    private readonly struct StateKey(object space, int id, RateLimit limit) : IEquatable<StateKey>
    {
        private readonly int _id = id;

        public object Space { get; } = space;

        public RateLimit Limit { get; } = limit;

        public bool Equals(StateKey other) =>
            _id == other._id && ReferenceEquals(Space, other.Space) && (ReferenceEquals(Limit, other.Limit) || Limit.Equals(other.Limit));

        public override bool Equals(object? obj) => obj is StateKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Space), _id, Limit.GetHashCode());
    }
}
