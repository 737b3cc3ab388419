using Floodgate.AspNetCore.Identification;
using Floodgate.AspNetCore.Policies;
using Microsoft.AspNetCore.Http;

namespace Floodgate.AspNetCore.Steps;

/// <summary>
/// The request path's decision, step by step, each step returning one outcome: who the client is ▸ banned? ▸ tier ▸
/// circuit breaker ▸ layers (global ▸ endpoint ▸ client) ▸ shadow mode ▸ slow-down ▸ penalty. Both the middleware and
/// the <see cref="RateLimiting.FloodgateRateLimiter"/> adapter decide through it; neither writes anything here.
/// Completes synchronously (without allocating) when the store, the penalty box and the validators do.
/// </summary>
internal sealed class RequestDecider(
    IdentityGuard identities,
    BanStep bans,
    TierStep tiers,
    BreakerStep breaker,
    LayerStep layers,
    SlowDownStep slowDown,
    PenaltyStep penalties)
{
    /// <summary>The decision, all steps; for callers that do not await the layers themselves (the rate limiter adapter).</summary>
    public ValueTask<RequestVerdict> DecideAsync(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint, long permits, CancellationToken cancellationToken)
    {
        var verdict = Start(context, settings, policy, endpoint, permits, cancellationToken, out var pending);
        return pending.IsWaiting ? FinishLaterAsync(pending, context, settings, policy, endpoint, cancellationToken) : verdict;
    }

    /// <summary>
    /// The decision as far as it goes without waiting. The steps before the layers usually answer at once and run here
    /// without a frame; when the store's answer is under way, <paramref name="pending"/> holds the call
    /// (<see cref="LayersPending.IsWaiting"/>) and the caller awaits <c>pending.Call.Pending</c> itself, then calls
    /// <see cref="Finish"/>: a remote store's wait costs the caller's frame only. Otherwise the verdict is returned
    /// (done, or under way when an earlier step or a denial's bookkeeping waits).
    /// </summary>
    public ValueTask<RequestVerdict> Start(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint, long permits, CancellationToken cancellationToken, out LayersPending pending)
    {
        pending = default;
        var confirming = identities.ConfirmAsync(settings.Identifier.Identify(context), context, settings.Options.Identification, cancellationToken);
        if (!confirming.IsCompletedSuccessfully)
        {
            return DecideSlowlyAsync(confirming, null, null, context, settings, policy, endpoint, permits, cancellationToken);
        }

        var client = confirming.Result;
        var banning = bans.CheckAsync(client, cancellationToken);
        if (!banning.IsCompletedSuccessfully)
        {
            return DecideSlowlyAsync(new(client), banning, null, context, settings, policy, endpoint, permits, cancellationToken);
        }

        // In shadow mode a ban or an open breaker turns nobody away: the layers still decide, and report.
        var banned = banning.Result;
        if (!banned.IsContinue && !settings.ShadowMode)
        {
            return new(new RequestVerdict(RequestOutcome.Reject, banned.Decision, client, null, policy.Limits));
        }

        var resolving = tiers.ResolveAsync(context, settings, client);
        if (!resolving.IsCompletedSuccessfully)
        {
            return DecideSlowlyAsync(new(client), new(banned), resolving, context, settings, policy, endpoint, permits, cancellationToken);
        }

        var tier = resolving.Result;
        var shed = breaker.Check(settings, client, tier);
        if (!shed.IsContinue && !settings.ShadowMode)
        {
            return new(new RequestVerdict(RequestOutcome.Reject, shed.Decision, client, tier, policy.Limits));
        }

        var limits = policy.LimitsFor(tier);
        var call = layers.Begin(context, settings, policy, limits, client, endpoint, permits, cancellationToken);
        if (!call.Pending.IsCompleted)
        {
            pending = new LayersPending(call, client, tier, limits);
            return default;
        }

        return Conclude(layers.End(call), context, settings, policy, endpoint, client, tier, limits, cancellationToken);
    }

    /// <summary>The rest once the layers' call of <paramref name="pending"/> is done: its <paramref name="decision"/>, or the <paramref name="failure"/> that ended it.</summary>
    public ValueTask<RequestVerdict> Finish(in LayersPending pending, in RateLimitDecision decision, Exception? failure, HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint, CancellationToken cancellationToken) =>
        Conclude(layers.End(pending.Call, decision, failure), context, settings, policy, endpoint, pending.Client, pending.Tier, pending.Limits, cancellationToken);

    private async ValueTask<RequestVerdict> FinishLaterAsync(LayersPending pending, HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint, CancellationToken cancellationToken)
    {
        RateLimitDecision decision = default;
        Exception? failure = null;
        try
        {
            decision = await pending.Call.Pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        return await Finish(pending, decision, failure, context, settings, policy, endpoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every step from the one that must wait: the steps before it come done (their answers passed in).</summary>
    private async ValueTask<RequestVerdict> DecideSlowlyAsync(ValueTask<ClientIdentity> confirming, ValueTask<StepOutcome>? banning, ValueTask<string?>? resolving, HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint, long permits, CancellationToken cancellationToken)
    {
        var client = await confirming.ConfigureAwait(false);
        var banned = banning.HasValue ? await banning.Value.ConfigureAwait(false) : await bans.CheckAsync(client, cancellationToken).ConfigureAwait(false);
        if (!banned.IsContinue && !settings.ShadowMode)
        {
            return new RequestVerdict(RequestOutcome.Reject, banned.Decision, client, null, policy.Limits);
        }

        var tier = resolving.HasValue ? await resolving.Value.ConfigureAwait(false) : await tiers.ResolveAsync(context, settings, client).ConfigureAwait(false);
        var shed = breaker.Check(settings, client, tier);
        if (!shed.IsContinue && !settings.ShadowMode)
        {
            return new RequestVerdict(RequestOutcome.Reject, shed.Decision, client, tier, policy.Limits);
        }

        var limits = policy.LimitsFor(tier);
        var call = layers.Begin(context, settings, policy, limits, client, endpoint, permits, cancellationToken);
        if (call.Pending.IsCompleted)
        {
            return await Conclude(layers.End(call), context, settings, policy, endpoint, client, tier, limits, cancellationToken).ConfigureAwait(false);
        }

        return await FinishLaterAsync(new LayersPending(call, client, tier, limits), context, settings, policy, endpoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After the layers: continue, let a shadow denial through, slow down, or reject (recording the violation).</summary>
    private ValueTask<RequestVerdict> Conclude(in StepOutcome decided, HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint, ClientIdentity client, string? tier, RateLimit[] limits, CancellationToken cancellationToken)
    {
        if (decided.IsContinue)
        {
            return new(new RequestVerdict(RequestOutcome.Continue, decided.Decision, client, tier, limits));
        }

        return settings.ShadowMode
            ? new(new RequestVerdict(RequestOutcome.Shadow, decided.Decision, client, tier, limits))
            : DenyAsync(decided.Decision, context, policy, endpoint, client, tier, limits, cancellationToken);
    }

    private async ValueTask<RequestVerdict> DenyAsync(RateLimitDecision denial, HttpContext context, RateLimitPolicy policy, Endpoint? endpoint, ClientIdentity client, string? tier, RateLimit[] limits, CancellationToken cancellationToken)
    {
        if (policy.SlowDown is not null &&
            await slowDown.DelayAsync(policy, limits, denial, LayerStep.ClientKey(policy, client, context, endpoint), cancellationToken).ConfigureAwait(false) is { } delay)
        {
            return new RequestVerdict(RequestOutcome.Delay, denial, client, tier, limits, delay);
        }

        await penalties.RecordAsync(client, denial, cancellationToken).ConfigureAwait(false);
        return new RequestVerdict(RequestOutcome.Reject, denial, client, tier, limits);
    }
}
