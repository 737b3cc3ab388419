using System.Diagnostics;
using Floodgate.AspNetCore.Policies;
using Floodgate.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Floodgate.AspNetCore.Steps;

/// <summary>
/// Records what was decided for a request, whatever the outcome: the <see cref="IRateLimitFeature"/>, the
/// <c>floodgate.decisions</c> count and check duration, and the tags of the <c>floodgate.check</c> span.
/// </summary>
internal sealed class DecisionRecorder(FloodgateMetrics metrics)
{
    /// <summary>Whether a check is worth a timestamp: only when its duration is listened to.</summary>
    public long Start() => metrics.IsTimed ? Stopwatch.GetTimestamp() : 0;

    public void Record(HttpContext context, RateLimitPolicy policy, in RequestVerdict verdict, long started, Activity? activity)
    {
        context.Features.Set<IRateLimitFeature>(new RateLimitFeature(policy.Name, verdict.Client, verdict.Decision, verdict.Tier));
        var outcome = Outcome(verdict);
        if (metrics.IsListened)
        {
            metrics.Decision(policy.Name, verdict.Decision.Layer, outcome, verdict.Decision.Reason, started);
        }

        if (activity is not null)
        {
            activity.SetTag("floodgate.policy", policy.Name);
            activity.SetTag("floodgate.client", verdict.Client.Id);
            activity.SetTag("floodgate.outcome", outcome);
            activity.SetTag("floodgate.layer", RateLimitNames.Layer(verdict.Decision.Layer));
            if (!verdict.Decision.IsAllowed)
            {
                activity.SetTag("floodgate.reason", RateLimitNames.Reason(verdict.Decision.Reason));
            }
        }
    }

    /// <summary>The <c>floodgate.outcome</c> of a verdict: allowed, denied, banned, shed, delayed, shadow_denied.</summary>
    public static string Outcome(in RequestVerdict verdict) => verdict.Outcome switch
    {
        RequestOutcome.Continue => "allowed",
        RequestOutcome.Shadow => "shadow_denied",
        RequestOutcome.Delay => "delayed",
        _ => verdict.Decision.Reason switch
        {
            RateLimitDenialReason.Banned => "banned",
            RateLimitDenialReason.CircuitOpen => "shed",
            _ => "denied",
        },
    };
}
