using System.Collections.Concurrent;
using System.Globalization;
using Envoy.Config.Core.V3;
using Envoy.Extensions.Common.RateLimit.V3;
using Envoy.Service.RateLimit.V3;
using Floodgate.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Code = Envoy.Service.RateLimit.V3.RateLimitResponse.Types.Code;
using DescriptorStatus = Envoy.Service.RateLimit.V3.RateLimitResponse.Types.DescriptorStatus;
using RlsRequest = Envoy.Service.RateLimit.V3.RateLimitRequest;
using Unit = Envoy.Service.RateLimit.V3.RateLimitResponse.Types.RateLimit.Types.Unit;

namespace Floodgate.Server.Envoy;

/// <summary>
/// <c>envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit</c>, answered as envoyproxy/ratelimit answers it,
/// with the decisions made by Floodgate's store (memory or Redis, with its over-limit cache and failure mode).
/// </summary>
/// <remarks>
/// Every descriptor is matched against the domain's tree; the enforced limits of one call are decided together
/// (<see cref="IRateLimitStore.AcquireAllAsync"/>: a call over any limit consumes from none), limits in shadow mode
/// each on their own, since they never stop a call. A call over the limit with a huge <c>hits_addend</c> is OVER_LIMIT
/// like any other; an empty domain or descriptor list is the gRPC error envoyproxy/ratelimit returns (UNKNOWN).
/// </remarks>
internal sealed class EnvoyRateLimitService(RlsConfigSource config, IRateLimitStore store, RlsMetrics metrics, TimeProvider timeProvider, IOptions<EnvoyRlsOptions> options)
    : RateLimitService.RateLimitServiceBase
{
    private const int MaxBatch = RateLimitStore.MaxBatchSize;
    private const int MaxOverrides = 1024;
    private const string WithinLimit = "within_limit";
    private const string OverLimit = "over_limit";

    private static readonly DescriptorStatus s_noLimit = new() { Code = Code.Ok };
    private static readonly DescriptorStatus s_unlimited = new() { Code = Code.Ok, LimitRemaining = uint.MaxValue };

    private readonly EnvoyRlsOptions _options = options.Value;

    /// <summary>The limits Envoy sent as overrides, compiled once each (a bounded number of them).</summary>
    private readonly ConcurrentDictionary<(string Domain, uint RequestsPerUnit, Unit Unit), RlsLimit> _overrides = new();

    public override async Task<RateLimitResponse> ShouldRateLimit(RlsRequest request, ServerCallContext context)
    {
        if (request.Domain.Length == 0)
        {
            metrics.Call(RlsMetrics.UnknownDomain, "error");
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unknown, "rate limit domain must not be empty"));
        }

        var descriptors = request.Descriptors;
        if (descriptors.Count == 0)
        {
            metrics.Call(RlsMetrics.UnknownDomain, "error");
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unknown, "rate limit descriptor list must not be empty"));
        }

        var response = new RateLimitResponse { OverallCode = Code.Ok };
        var domain = config.Current.FindDomain(request.Domain);
        if (domain is null)
        {
            for (var i = 0; i < descriptors.Count; i++)
            {
                response.Statuses.Add(s_noLimit);
            }

            metrics.Call(RlsMetrics.UnknownDomain, "ok");
            return response;
        }

        var calls = Match(domain, request);
        await DecideAsync(calls, context.CancellationToken);

        DescriptorStatus? closest = null;
        for (var i = 0; i < calls.Length; i++)
        {
            var status = StatusOf(domain, calls[i]);
            response.Statuses.Add(status);
            if (status.Code == Code.OverLimit)
            {
                response.OverallCode = Code.OverLimit;
            }

            if (status.CurrentLimit is not null && (closest is null || status.LimitRemaining < closest.LimitRemaining || status.Code == Code.OverLimit))
            {
                closest = status;
            }
        }

        if (_options.ResponseHeaders && closest is not null)
        {
            response.ResponseHeadersToAdd.Add(new HeaderValue { Key = _options.LimitHeader, Value = closest.CurrentLimit.RequestsPerUnit.ToString(CultureInfo.InvariantCulture) });
            response.ResponseHeadersToAdd.Add(new HeaderValue { Key = _options.RemainingHeader, Value = closest.LimitRemaining.ToString(CultureInfo.InvariantCulture) });
            var reset = closest.DurationUntilReset.ToTimeSpan();
            response.ResponseHeadersToAdd.Add(new HeaderValue { Key = _options.ResetHeader, Value = ((long)Math.Ceiling(reset.TotalSeconds)).ToString(CultureInfo.InvariantCulture) });
        }

        metrics.Call(domain.Name, response.OverallCode == Code.OverLimit ? OverLimit : "ok");
        if (response.OverallCode == Code.OverLimit && _options.ShadowMode)
        {
            response.OverallCode = Code.Ok;
        }

        return response;
    }

    /// <summary>Each descriptor's limit (after <c>replaces</c>), hits and store key.</summary>
    private Call[] Match(RlsDomain domain, RlsRequest request)
    {
        var descriptors = request.Descriptors;
        var calls = new Call[descriptors.Count];
        var replacing = false;
        for (var i = 0; i < calls.Length; i++)
        {
            var descriptor = descriptors[i];
            calls[i].Limit = descriptor.Limit is { } limitOverride && Override(domain, limitOverride) is { } overridden
                ? overridden
                : domain.Match(descriptor.Entries, out calls[i].SharesValue);

            // As envoyproxy/ratelimit: a descriptor's own hits_addend (0 allowed: look without counting), else the
            // request's, where 0 means 1.
            calls[i].Hits = descriptor.HitsAddend ?? Math.Max(1, request.HitsAddend);
            replacing |= calls[i].Limit is { Replaces.Length: > 0 };
        }

        if (replacing)
        {
            Replace(calls);
        }

        for (var i = 0; i < calls.Length; i++)
        {
            if (calls[i].Limit is { Limit: not null })
            {
                calls[i].Key = domain.Key(descriptors[i].Entries, calls[i].SharesValue);
            }
        }

        return calls;
    }

    /// <summary>A limit named in another matched limit's <c>replaces</c> is not applied.</summary>
    private static void Replace(Call[] calls)
    {
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var call in calls)
        {
            foreach (var name in call.Limit?.Replaces ?? [])
            {
                replaced.Add(name);
            }
        }

        for (var i = 0; i < calls.Length; i++)
        {
            if (calls[i].Limit is { Name.Length: > 0 } limit && replaced.Contains(limit.Name))
            {
                calls[i].Limit = null;
            }
        }
    }

    /// <summary>The limit Envoy sends in a descriptor (<c>limit</c>), which envoyproxy/ratelimit applies instead of the configured one.</summary>
    private RlsLimit? Override(RlsDomain domain, RateLimitDescriptor.Types.RateLimitOverride limitOverride)
    {
        var unit = (Unit)(int)limitOverride.Unit;
        if (unit == Unit.Unknown || !System.Enum.IsDefined(unit))
        {
            return null;
        }

        var requestsPerUnit = Math.Min(limitOverride.RequestsPerUnit, RlsLimit.MaxRequestsPerUnit);
        var key = (domain.Name, requestsPerUnit, unit);
        if (_overrides.TryGetValue(key, out var limit))
        {
            return limit;
        }

        limit = RlsLimit.Counted(domain.Name + ".(override)", requestsPerUnit, unit, "", shadowMode: false, [], RateLimitAlgorithm.FixedWindow);
        return _overrides.Count < MaxOverrides ? _overrides.GetOrAdd(key, limit) : limit;
    }

    /// <summary>
    /// Decides the calls that have a store key: the enforced ones as one batch (merging a descriptor sent twice), those
    /// in shadow mode one by one.
    /// </summary>
    private async ValueTask DecideAsync(Call[] calls, CancellationToken cancellationToken)
    {
        RateLimitRequest[]? batch = null;
        var count = 0;
        for (var i = 0; i < calls.Length; i++)
        {
            if (calls[i].Key is not { } key)
            {
                continue;
            }

            var rule = calls[i].Limit!.Limit!;
            var cost = (long)Math.Min(calls[i].Hits, (ulong)rule.Capacity + 1);
            if (calls[i].Limit!.ShadowMode)
            {
                calls[i].Decision = await store.AcquireAsync(key, rule, cost, cancellationToken);
                continue;
            }

            batch ??= new RateLimitRequest[calls.Length];
            var at = 0;
            while (at < count && !(batch[at].Key == key && batch[at].Limit == rule))
            {
                at++;
            }

            calls[i].Batched = at;
            batch[at] = at == count
                ? new RateLimitRequest(key, rule, cost)
                : batch[at] with { Cost = Math.Min(batch[at].Cost + cost, rule.Capacity + 1) };
            count += at == count ? 1 : 0;
        }

        if (batch is null)
        {
            return;
        }

        var decisions = new RateLimitDecision[count];
        if (count <= MaxBatch)
        {
            await store.AcquireAllAsync(batch.AsMemory(0, count), decisions, cancellationToken);
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                decisions[i] = await store.AcquireAsync(batch[i].Key, batch[i].Limit, batch[i].Cost, cancellationToken);
            }
        }

        for (var i = 0; i < calls.Length; i++)
        {
            if (calls[i].Key is not null && !calls[i].Limit!.ShadowMode)
            {
                calls[i].Decision = decisions[calls[i].Batched];
            }
        }
    }

    /// <summary>One descriptor's status, as envoyproxy/ratelimit reports it, and its metrics.</summary>
    private DescriptorStatus StatusOf(RlsDomain domain, in Call call)
    {
        if (call.Limit is not { } limit)
        {
            return s_noLimit;
        }

        if (limit.Unlimited)
        {
            metrics.Hits(domain.Name, limit.MetricKey, "unlimited", call.Hits);
            return s_unlimited;
        }

        bool over;
        DescriptorStatus status;
        if (call.Key is null)
        {
            // requests_per_unit: 0 admits nothing; a hits_addend of 0 only looks.
            over = call.Hits > 0;
            var window = (long)limit.Window.TotalSeconds;
            var reset = TimeSpan.FromSeconds(window - (timeProvider.GetUtcNow().ToUnixTimeSeconds() % window));
            status = new DescriptorStatus { Code = over ? Code.OverLimit : Code.Ok, CurrentLimit = limit.Proto, DurationUntilReset = Duration.FromTimeSpan(reset) };
        }
        else
        {
            var decision = call.Decision;
            over = !decision.IsAllowed;
            var reset = !over ? decision.ResetAfter
                : decision.CanRetry ? decision.RetryAfter
                : decision.ResetAfter > TimeSpan.Zero ? decision.ResetAfter : limit.Window;
            status = new DescriptorStatus
            {
                Code = over ? Code.OverLimit : Code.Ok,
                CurrentLimit = limit.Proto,
                LimitRemaining = over ? 0 : (uint)Math.Clamp(decision.Remaining, 0, uint.MaxValue),
                DurationUntilReset = Duration.FromTimeSpan(reset),
            };
        }

        if (over && limit.ShadowMode)
        {
            status.Code = Code.Ok;
        }

        metrics.Hits(domain.Name, limit.MetricKey, !over ? WithinLimit : limit.ShadowMode ? "shadow_mode" : OverLimit, call.Hits);
        return status;
    }

    /// <summary>One descriptor of a call, from its match to its decision.</summary>
    private struct Call
    {
        public RlsLimit? Limit;
        public bool SharesValue;
        public ulong Hits;

        /// <summary>The store key; <see langword="null"/> when the store has nothing to decide (no limit, unlimited, 0 per unit).</summary>
        public string? Key;

        /// <summary>The index of this descriptor's request in the enforced batch.</summary>
        public int Batched;

        public RateLimitDecision Decision;
    }
}
