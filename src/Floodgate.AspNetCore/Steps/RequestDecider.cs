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
        return Settle(new Ask(context, settings, policy, endpoint, permits, cancellationToken), verdict, pending);
    }

    /// <summary>
    /// The decision as far as it goes without waiting. The steps before the layers usually answer at once and run
    /// without a frame; when the store's answer is under way, <paramref name="pending"/> holds the call
    /// (<see cref="LayersPending.IsWaiting"/>) and the caller awaits <c>pending.Call.Pending</c> itself, then calls
    /// <see cref="Finish"/>: a remote store's wait costs the caller's frame only. Otherwise the verdict is returned
    /// (done, or under way when an earlier step or a denial's bookkeeping waits).
    /// Each step is one method, run at once when the step before answered at once, else after it (<c>…LaterAsync</c>).
    /// </summary>
    public ValueTask<RequestVerdict> Start(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint, long permits, CancellationToken cancellationToken, out LayersPending pending)
    {
        var ask = new Ask(context, settings, policy, endpoint, permits, cancellationToken);
        var confirming = identities.ConfirmAsync(settings.Identifier.Identify(context), context, settings.Options.Identification, cancellationToken);
        if (confirming.IsCompletedSuccessfully)
        {
            return AfterIdentity(ask, confirming.Result, out pending);
        }

        pending = default;
        return AfterIdentityLaterAsync(ask, confirming);
    }

    /// <summary>The rest once the layers' call of <paramref name="pending"/> is done: its <paramref name="decision"/>, or the <paramref name="failure"/> that ended it.</summary>
    public ValueTask<RequestVerdict> Finish(in LayersPending pending, in RateLimitDecision decision, Exception? failure, HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint, CancellationToken cancellationToken) =>
        Conclude(layers.End(pending.Call, decision, failure), context, settings, policy, endpoint, pending.Client, pending.Tier, pending.Limits, cancellationToken);

    /// <summary>Banned? (its address too, for an unverified client).</summary>
    private ValueTask<RequestVerdict> AfterIdentity(in Ask ask, ClientIdentity client, out LayersPending pending)
    {
        var banning = bans.CheckAsync(client, ask.CancellationToken);
        if (banning.IsCompletedSuccessfully)
        {
            return AfterBanCheck(ask, client, banning.Result, out pending);
        }

        pending = default;
        return AfterBanCheckLaterAsync(ask, client, banning);
    }

    /// <summary>A ban rejects; otherwise the client's tier.</summary>
    private ValueTask<RequestVerdict> AfterBanCheck(in Ask ask, ClientIdentity client, in StepOutcome banned, out LayersPending pending)
    {
        pending = default;

        // In shadow mode a ban or an open breaker turns nobody away: the layers still decide, and report.
        if (!banned.IsContinue && !ask.Settings.ShadowMode)
        {
            return new(new RequestVerdict(RequestOutcome.Reject, banned.Decision, client, null, ask.Policy.Limits));
        }

        var resolving = tiers.ResolveAsync(ask.Context, ask.Settings, client);
        return resolving.IsCompletedSuccessfully
            ? AfterTier(ask, client, resolving.Result, out pending)
            : AfterTierLaterAsync(ask, client, resolving);
    }

    /// <summary>The circuit breaker, then the layers: their answer at once, or their call under way in <paramref name="pending"/>.</summary>
    private ValueTask<RequestVerdict> AfterTier(in Ask ask, ClientIdentity client, string? tier, out LayersPending pending)
    {
        pending = default;
        var shed = breaker.Check(ask.Settings, client, tier);
        if (!shed.IsContinue && !ask.Settings.ShadowMode)
        {
            return new(new RequestVerdict(RequestOutcome.Reject, shed.Decision, client, tier, ask.Policy.Limits));
        }

        var limits = ask.Policy.LimitsFor(tier);
        var call = layers.Begin(ask.Context, ask.Settings, ask.Policy, limits, client, ask.Endpoint, ask.Permits, ask.CancellationToken);
        if (!call.Pending.IsCompleted)
        {
            pending = new LayersPending(call, client, tier, limits);
            return default;
        }

        return Conclude(layers.End(call), ask.Context, ask.Settings, ask.Policy, ask.Endpoint, client, tier, limits, ask.CancellationToken);
    }

    private async ValueTask<RequestVerdict> AfterIdentityLaterAsync(Ask ask, ValueTask<ClientIdentity> confirming)
    {
        var verdict = AfterIdentity(ask, await confirming.ConfigureAwait(false), out var pending);
        return await Settle(ask, verdict, pending).ConfigureAwait(false);
    }

    private async ValueTask<RequestVerdict> AfterBanCheckLaterAsync(Ask ask, ClientIdentity client, ValueTask<StepOutcome> banning)
    {
        var verdict = AfterBanCheck(ask, client, await banning.ConfigureAwait(false), out var pending);
        return await Settle(ask, verdict, pending).ConfigureAwait(false);
    }

    private async ValueTask<RequestVerdict> AfterTierLaterAsync(Ask ask, ClientIdentity client, ValueTask<string?> resolving)
    {
        var verdict = AfterTier(ask, client, await resolving.ConfigureAwait(false), out var pending);
        return await Settle(ask, verdict, pending).ConfigureAwait(false);
    }

    /// <summary>The verdict of steps run by a caller that does not await the layers itself: their call, when under way, is awaited here.</summary>
    private ValueTask<RequestVerdict> Settle(in Ask ask, ValueTask<RequestVerdict> verdict, in LayersPending pending) =>
        pending.IsWaiting ? FinishLaterAsync(pending, ask.Context, ask.Settings, ask.Policy, ask.Endpoint, ask.CancellationToken) : verdict;

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

    /// <summary>What every step of one decision reads.</summary>
    private readonly record struct Ask(HttpContext Context, FloodgateSettings Settings, RateLimitPolicy Policy, Endpoint? Endpoint, long Permits, CancellationToken CancellationToken);
}
