using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Floodgate.AspNetCore.Headers;
using Floodgate.AspNetCore.Identification;
using Floodgate.AspNetCore.Policies;
using Floodgate.Diagnostics;
using Floodgate.Layers;
using Floodgate.Penalties;
using Floodgate.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Floodgate.AspNetCore;

/// <summary>
/// Sequences one request through Floodgate: policy, client, ban, circuit breaker, layers (global ▸ endpoint ▸
/// client, all-or-nothing), penalty, headers, metrics. Every step is a small type; this class only orders them.
/// </summary>
internal sealed class FloodgateMiddleware
{
    /// <summary>Where an idle <see cref="t_json"/> points; nothing is ever written to it.</summary>
    private static readonly ArrayBufferWriter<byte> DetachedJsonOutput = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    private readonly RequestDelegate _next;
    private readonly FloodgateSettingsProvider _settings;
    private readonly RateLimitPolicyResolver _policies;
    private readonly IRateLimitStore _store;
    private readonly IPenaltyBox _penalties;
    private readonly IClientTierResolver? _tierResolver;
    private readonly IdentityGuard _identities;
    private readonly FloodgateMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<FloodgateMiddleware> _logger;

    public FloodgateMiddleware(
        RequestDelegate next,
        FloodgateSettingsProvider settings,
        RateLimitPolicyResolver policies,
        IRateLimitStore store,
        IPenaltyBox penalties,
        FloodgateMetrics metrics,
        TimeProvider timeProvider,
        ILogger<FloodgateMiddleware> logger,
        IEnumerable<IClientTierResolver> tierResolvers,
        IdentityGuard identities)
    {
        _identities = identities;
        _next = next;
        _settings = settings;
        _policies = policies;
        _store = store;
        _penalties = penalties;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _tierResolver = tierResolvers.LastOrDefault();
    }

    public Task InvokeAsync(HttpContext context)
    {
        var settings = _settings.Current;
        var endpoint = context.GetEndpoint();
        var policy = _policies.Resolve(settings, context, endpoint);
        return policy is null ? _next(context) : LimitAsync(context, settings, policy, endpoint);
    }

    private async Task LimitAsync(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = FloodgateMetrics.ActivitySource.StartActivity("floodgate.check");
        // Read once: every read of HttpContext.RequestAborted goes through a feature lookup and a lock in Kestrel.
        var aborted = context.RequestAborted;
        var client = await _identities.ConfirmAsync(settings.Identifier.Identify(context), context, settings.Options.Identification, aborted).ConfigureAwait(false);
        activity?.SetTag("floodgate.policy", policy.Name);
        activity?.SetTag("floodgate.client", client.Id);

        // Banned clients are turned away before anything is counted. A client that is not verified answers for its
        // address too: a banned address stays banned whatever key or client id it sends next.
        if (await GetBanAsync(client, aborted).ConfigureAwait(false) is { } ban)
        {
            var left = ban.Remaining(_timeProvider.GetUtcNow());
            var banned = new RateLimitDecision(false, 0, 0, left, left, RateLimitDenialReason.Banned, null, RateLimitLayer.Client);
            if (!settings.ShadowMode)
            {
                Finish(policy, banned, "banned", started, activity);
                context.Features.Set<IRateLimitFeature>(new RateLimitFeature(policy.Name, client, banned, null));
                await RejectAsync(context, settings, policy, policy.Limits, banned, client, "You are temporarily banned for repeated violations.", aborted).ConfigureAwait(false);
                return;
            }
        }

        var tier = await ResolveTierAsync(context, settings, client).ConfigureAwait(false);
        if (settings.Breaker is { } breaker && breaker.Record() == CircuitState.Open && settings.DefenseMode != DefenseMode.Disabled)
        {
            var known = client.IsAuthenticated || (client.ApiKeyHash is not null && tier is not null);
            if (settings.DefenseMode == DefenseMode.Lockdown || !known)
            {
                var coolDown = settings.Options.Global.CircuitBreaker.CoolDown;
                var shed = new RateLimitDecision(false, 0, 0, coolDown, coolDown, RateLimitDenialReason.CircuitOpen, null, RateLimitLayer.Global);
                if (!settings.ShadowMode)
                {
                    Finish(policy, shed, "shed", started, activity);
                    context.Features.Set<IRateLimitFeature>(new RateLimitFeature(policy.Name, client, shed, tier));
                    await RejectAsync(context, settings, policy, policy.Limits, shed, client, "The service is under heavy load and sheds anonymous traffic; try again later.", aborted).ConfigureAwait(false);
                    return;
                }
            }
        }

        var limits = policy.LimitsFor(tier);
        var decision = await DecideAsync(context, settings, policy, limits, client, endpoint, aborted).ConfigureAwait(false);
        context.Features.Set<IRateLimitFeature>(new RateLimitFeature(policy.Name, client, decision, tier));

        if (decision.IsAllowed)
        {
            Finish(policy, decision, "allowed", started, activity);
            if (!settings.ShadowMode)
            {
                RateLimitHeaders.Write(context.Response, settings.Headers, policy, limits, decision, _timeProvider.GetUtcNow());
            }

            await _next(context).ConfigureAwait(false);
            return;
        }

        if (settings.ShadowMode)
        {
            Finish(policy, decision, "shadow_denied", started, activity);
            Log.ShadowDenied(_logger, client.Id, policy.Name, FloodgateMetrics.LayerName(decision.Layer));
            await _next(context).ConfigureAwait(false);
            return;
        }

        if (policy.SlowDown is { } slowDown && decision.Layer == RateLimitLayer.Client && decision.CanRetry)
        {
            var delay = await SlowDownDelayAsync(policy, limits, slowDown, ClientKey(policy, client, context, endpoint), aborted).ConfigureAwait(false);
            Finish(policy, decision, "delayed", started, activity);
            Log.SlowedDown(_logger, client.Id, policy.Name, delay);
            await Task.Delay(delay, _timeProvider, aborted).ConfigureAwait(false);
            await _next(context).ConfigureAwait(false);
            return;
        }

        Finish(policy, decision, "denied", started, activity);
        Log.Denied(_logger, client.Id, policy.Name, FloodgateMetrics.LayerName(decision.Layer), decision.RetryAfter);

        // Only the client's own limits count against it: an endpoint or global denial is not the client's fault.
        if (decision.Layer == RateLimitLayer.Client &&
            await _penalties.RecordViolationAsync(client.PenaltyKey, aborted).ConfigureAwait(false) is { } newBan)
        {
            _metrics.Ban();
            Log.Banned(_logger, newBan.ClientId, newBan.ExpiresAt, newBan.Strike, newBan.Reason);
        }

        var detail = decision.Reason == RateLimitDenialReason.CostExceedsLimit
            ? "This request costs more than the limit admits at once."
            : decision.Layer switch
            {
                RateLimitLayer.Global => "The service as a whole is over its limit.",
                RateLimitLayer.Endpoint => "This endpoint is over its limit for all clients.",
                _ => "You have exceeded the rate limit.",
            };
        await RejectAsync(context, settings, policy, limits, decision, client, detail, aborted).ConfigureAwait(false);
    }

    private async ValueTask<BanRecord?> GetBanAsync(ClientIdentity client, CancellationToken cancellationToken)
    {
        if (await _penalties.GetBanAsync(client.Id, cancellationToken).ConfigureAwait(false) is { } ban)
        {
            return ban;
        }

        return client.PenaltyKey == client.Id ? null : await _penalties.GetBanAsync(client.PenaltyKey, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<RateLimitDecision> DecideAsync(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, RateLimit[] limits, ClientIdentity client, Endpoint? endpoint, CancellationToken cancellationToken)
    {
        var clientKey = ClientKey(policy, client, context, endpoint);

        var addressKey = SensitiveAddressKey(policy, client, clientKey);
        var count = limits.Length * (addressKey is null ? 1 : 2) + (settings.GlobalLimit is null ? 0 : 1) + (settings.EndpointLimit is null ? 0 : 1);
        var requests = ArrayPool<RateLimitRequest>.Shared.Rent(count);
        var decisions = ArrayPool<RateLimitDecision>.Shared.Rent(count);
        try
        {
            var i = 0;
            if (settings.GlobalLimit is { } global)
            {
                requests[i++] = new RateLimitRequest("global", global, 1, RateLimitLayer.Global);
            }

            if (settings.EndpointLimit is { } endpointLimit)
            {
                requests[i++] = new RateLimitRequest("endpoint|" + FloodgateSettings.EndpointKey(context, endpoint), endpointLimit, 1, RateLimitLayer.Endpoint);
            }

            foreach (var limit in limits)
            {
                requests[i++] = new RateLimitRequest(clientKey, limit, policy.Cost, RateLimitLayer.Client);
            }

            if (addressKey is not null)
            {
                foreach (var limit in limits)
                {
                    requests[i++] = new RateLimitRequest(addressKey, limit, policy.Cost, RateLimitLayer.Client);
                }
            }

            return await _store.AcquireAllAsync(requests.AsMemory(0, count), decisions.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A store that fails must never fail the request; the Redis store applies its own failure mode first.
            _metrics.StoreError(_store.GetType().Name);
            Log.StoreFailed(_logger, ex);
            return new RateLimitDecision(true, limits[0].Count, limits[0].Count, TimeSpan.Zero, TimeSpan.Zero, RateLimitDenialReason.None, limits[0], RateLimitLayer.Client);
        }
        finally
        {
            // Only the first count entries were used: clearing those (not the whole rented array) drops the references.
            requests.AsSpan(0, count).Clear();
            decisions.AsSpan(0, count).Clear();
            ArrayPool<RateLimitRequest>.Shared.Return(requests);
            ArrayPool<RateLimitDecision>.Shared.Return(decisions);
        }
    }

    internal static string ClientKey(RateLimitPolicy policy, ClientIdentity client, HttpContext context, Endpoint? endpoint) => policy.Scope switch
    {
        RuleScope.ApiKey => policy.KeyPrefix + (client.ApiKeyHash ?? client.AddressKey),
        RuleScope.Ip => policy.KeyPrefix + client.AddressKey,
        RuleScope.Endpoint => policy.KeyPrefix + "endpoint:" + FloodgateSettings.EndpointKey(context, endpoint),
        RuleScope.Global => policy.KeyPrefix + "all",
        _ => policy.KeyPrefix + client.Id,
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

    private async ValueTask<string?> ResolveTierAsync(HttpContext context, FloodgateSettings settings, ClientIdentity client)
    {
        if (client.IsAuthenticated && context.User.FindFirst(settings.Options.Tiers.ClaimType)?.Value is { Length: > 0 } claimed)
        {
            return claimed;
        }

        return _tierResolver is null ? null : await _tierResolver.ResolveTierAsync(context, client).ConfigureAwait(false);
    }

    /// <summary>Counts this request's excess in the current window and turns it into a delay of Step × excess, capped.</summary>
    private async ValueTask<TimeSpan> SlowDownDelayAsync(RateLimitPolicy policy, RateLimit[] limits, SlowDownOptions slowDown, string clientKey, CancellationToken cancellationToken)
    {
        var window = limits[0].Window;
        var counter = new RateLimit(RateLimit.MaxCount, window, RateLimitAlgorithm.FixedWindow);
        var excess = await _store.AcquireAsync("slow|" + clientKey, counter, 1, cancellationToken).ConfigureAwait(false);
        var over = RateLimit.MaxCount - excess.Remaining;
        var ticks = Math.Min(slowDown.Step.Ticks * over, slowDown.MaxDelay.Ticks);
        _ = policy;
        return TimeSpan.FromTicks(ticks);
    }

    private void Finish(RateLimitPolicy policy, in RateLimitDecision decision, string outcome, long started, Activity? activity)
    {
        _metrics.Decision(policy.Name, decision.Layer, outcome, Stopwatch.GetElapsedTime(started));
        activity?.SetTag("floodgate.outcome", outcome);
        activity?.SetTag("floodgate.layer", FloodgateMetrics.LayerName(decision.Layer));
    }

    private async Task RejectAsync(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, RateLimit[] limits, RateLimitDecision decision, ClientIdentity client, string detail, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = settings.StatusCode;
        if (decision.Rule is not null)
        {
            RateLimitHeaders.Write(response, settings.Headers, policy, limits, decision, _timeProvider.GetUtcNow());
        }

        var retryAfter = decision.RetryAfter;
        RateLimitHeaders.WriteRetryAfter(response, retryAfter);
        response.ContentType = "application/problem+json";
        var body = new RejectionBody(
            Type: "https://www.rfc-editor.org/rfc/rfc6585#section-4",
            Title: settings.StatusCode switch { 420 => "Enhance Your Calm", 503 => "Service Unavailable", _ => "Too Many Requests" },
            Status: settings.StatusCode,
            Detail: detail,
            RetryAfter: retryAfter == Timeout.InfiniteTimeSpan ? null : Math.Max(RateLimitHeaders.Seconds(retryAfter), 1),
            Limit: decision.Limit,
            Policy: policy.Name,
            Layer: FloodgateMetrics.LayerName(decision.Layer),
            Reason: decision.Reason switch
            {
                RateLimitDenialReason.Banned => "banned",
                RateLimitDenialReason.CircuitOpen => "circuit_open",
                RateLimitDenialReason.CostExceedsLimit => "cost_exceeds_limit",
                _ => "limit_exceeded",
            },
            Client: client.Id);

        // Serialized straight into the response pipe (a few hundred bytes, synchronously), then flushed as the
        // stream overload did: no intermediate pooled buffer, stream copy or serializer state machine per rejection.
        // The JSON writer is this thread's, reused: nothing awaits between taking it and letting go of the pipe.
        var writer = response.BodyWriter;
        var json = t_json;
        if (json is null)
        {
            t_json = json = new Utf8JsonWriter(writer);
        }
        else
        {
            json.Reset(writer);
        }

        try
        {
            JsonSerializer.Serialize(json, body, FloodgateJsonContext.Default.RejectionBody);
        }
        finally
        {
            json.Reset(DetachedJsonOutput); // keeps no reference to this response's pipe
        }

        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
