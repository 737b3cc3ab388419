using System.Buffers;
using System.Runtime.ExceptionServices;
using Floodgate.AspNetCore.Identification;
using Floodgate.AspNetCore.Policies;
using Floodgate.Diagnostics;
using Floodgate.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Floodgate.AspNetCore.Steps;

/// <summary>
/// Asks the store about every layer at once, all or nothing: global ▸ endpoint ▸ the client's limits (and, on a
/// sensitive rule, the same limits for the address of an unverified client). A store that fails never fails the request.
/// </summary>
internal sealed class LayerStep(IRateLimitStore store, FloodgateMetrics metrics, ILogger<FloodgateMiddleware> logger)
{
    /// <summary>The global layer's state key.</summary>
    public const string GlobalKey = "global";

    /// <summary>
    /// Asks the store about every layer at once: the call, under way or done, with the pooled arrays it decides in.
    /// <c>End</c> makes its outcome once it is done; a caller whose call is under way awaits it itself (one frame, the
    /// caller's, for a remote store's wait).
    /// </summary>
    public LayerCall Begin(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, RateLimit[] limits, ClientIdentity client, Endpoint? endpoint, long permits, CancellationToken cancellationToken)
    {
        var clientKey = ClientKey(policy, client, context, endpoint);
        var addressKey = SensitiveAddressKey(policy, client, clientKey);
        var count = limits.Length * (addressKey is null ? 1 : 2) + (settings.GlobalLimit is null ? 0 : 1) + (settings.EndpointLimit is null ? 0 : 1);
        var cost = policy.Cost * permits;
        var requests = ArrayPool<RateLimitRequest>.Shared.Rent(count);
        var decisions = ArrayPool<RateLimitDecision>.Shared.Rent(count);
        var i = 0;
        if (settings.GlobalLimit is { } global)
        {
            requests[i++] = new RateLimitRequest(GlobalKey, global, permits, RateLimitLayer.Global);
        }

        if (settings.EndpointLimit is { } endpointLimit)
        {
            requests[i++] = new RateLimitRequest(EndpointKeys.LayerKey(context, endpoint), endpointLimit, permits, RateLimitLayer.Endpoint);
        }

        foreach (var limit in limits)
        {
            requests[i++] = new RateLimitRequest(clientKey, limit, cost, RateLimitLayer.Client);
        }

        if (addressKey is not null)
        {
            foreach (var limit in limits)
            {
                requests[i++] = new RateLimitRequest(addressKey, limit, cost, RateLimitLayer.Client);
            }
        }

        ValueTask<RateLimitDecision> pending;
        try
        {
            pending = store.AcquireAllAsync(requests.AsMemory(0, count), decisions.AsMemory(0, count), cancellationToken);
        }
        catch (Exception ex)
        {
            pending = ValueTask.FromException<RateLimitDecision>(ex);
        }

        return new LayerCall(pending, requests, decisions, count, limits[0]);
    }

    /// <summary>The outcome of a call that is done: its decision is read here, once.</summary>
    public StepOutcome End(in LayerCall call)
    {
        RateLimitDecision decision = default;
        Exception? failure = null;
        try
        {
            decision = call.Pending.Result;
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        return End(call, decision, failure);
    }

    /// <summary>
    /// The outcome of the call from its <paramref name="decision"/>, or from the <paramref name="failure"/> that ended it;
    /// the pooled arrays are given back. A store that failed never fails the request: the Redis store applies its own
    /// failure mode first, and any other failure admits. A cancellation is thrown again.
    /// </summary>
    public StepOutcome End(in LayerCall call, in RateLimitDecision decision, Exception? failure)
    {
        // Only the first count entries were used: clearing those (not the whole rented array) drops the references.
        call.Requests.AsSpan(0, call.Count).Clear();
        call.Decisions.AsSpan(0, call.Count).Clear();
        ArrayPool<RateLimitRequest>.Shared.Return(call.Requests);
        ArrayPool<RateLimitDecision>.Shared.Return(call.Decisions);
        switch (failure)
        {
            case null:
                return decision.IsAllowed ? StepOutcome.Allow(decision) : StepOutcome.Reject(decision);
            case OperationCanceledException:
                ExceptionDispatchInfo.Throw(failure);
                return default;
            default:
                metrics.StoreError(store.GetType().Name);
                Log.StoreFailed(logger, failure);
                var limit = call.FirstLimit;
                return StepOutcome.Allow(new RateLimitDecision(true, limit.Count, limit.Count, TimeSpan.Zero, TimeSpan.Zero, RateLimitDenialReason.None, limit, RateLimitLayer.Client));
        }
    }

    /// <summary>The client's state key under <paramref name="policy"/>, by the policy's scope.</summary>
    internal static string ClientKey(RateLimitPolicy policy, ClientIdentity client, HttpContext context, Endpoint? endpoint) => policy.Scope switch
    {
        RuleScope.ApiKey => policy.KeyPrefix + (client.ApiKeyHash ?? client.AddressKey),
        RuleScope.Ip => client.AddressKeyUnder(policy.KeyPrefix),
        RuleScope.Endpoint => policy.KeyPrefix + "endpoint:" + EndpointKeys.Of(context, endpoint),
        RuleScope.Global => policy.KeyPrefix + "all",
        _ => client.KeyUnder(policy.KeyPrefix),
    };

    /// <summary>
    /// The address's own key on a sensitive rule (a login), which holds for the address as well, so that no header the
    /// client sends buys more attempts; null when the rule is not sensitive, the client is verified (an authenticated
    /// user or a validated key answers for itself), or the client is its address already.
    /// </summary>
    internal static string? SensitiveAddressKey(RateLimitPolicy policy, ClientIdentity client, string clientKey)
    {
        if (!policy.Sensitive || client.IsVerified || policy.Scope is not (RuleScope.Client or RuleScope.ApiKey))
        {
            return null;
        }

        var addressKey = policy.KeyPrefix + client.AddressKey;
        return addressKey == clientKey ? null : addressKey;
    }
}
