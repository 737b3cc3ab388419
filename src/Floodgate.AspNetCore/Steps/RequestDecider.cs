using System.Runtime.CompilerServices;
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
    // Pooled: with a remote store the method awaits on every request, and its frame would be allocated each time.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RequestVerdict> DecideAsync(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint, long permits, CancellationToken cancellationToken)
    {
        var client = await identities.ConfirmAsync(settings.Identifier.Identify(context), context, settings.Options.Identification, cancellationToken).ConfigureAwait(false);

        // In shadow mode a ban or an open breaker turns nobody away: the layers still decide, and report.
        var banned = await bans.CheckAsync(client, cancellationToken).ConfigureAwait(false);
        if (!banned.IsContinue && !settings.ShadowMode)
        {
            return new RequestVerdict(RequestOutcome.Reject, banned.Decision, client, null, policy.Limits);
        }

        var tier = await tiers.ResolveAsync(context, settings, client).ConfigureAwait(false);
        var shed = breaker.Check(settings, client, tier);
        if (!shed.IsContinue && !settings.ShadowMode)
        {
            return new RequestVerdict(RequestOutcome.Reject, shed.Decision, client, tier, policy.Limits);
        }

        var limits = policy.LimitsFor(tier);
        var decided = await layers.DecideAsync(context, settings, policy, limits, client, endpoint, permits, cancellationToken).ConfigureAwait(false);
        if (decided.IsContinue)
        {
            return new RequestVerdict(RequestOutcome.Continue, decided.Decision, client, tier, limits);
        }

        if (settings.ShadowMode)
        {
            return new RequestVerdict(RequestOutcome.Shadow, decided.Decision, client, tier, limits);
        }

        if (policy.SlowDown is not null &&
            await slowDown.DelayAsync(policy, limits, decided.Decision, LayerStep.ClientKey(policy, client, context, endpoint), cancellationToken).ConfigureAwait(false) is { } delay)
        {
            return new RequestVerdict(RequestOutcome.Delay, decided.Decision, client, tier, limits, delay);
        }

        await penalties.RecordAsync(client, decided.Decision, cancellationToken).ConfigureAwait(false);
        return new RequestVerdict(RequestOutcome.Reject, decided.Decision, client, tier, limits);
    }
}
