using System.Threading.RateLimiting;
using Floodgate.AspNetCore.Headers;
using Floodgate.AspNetCore.Policies;
using Floodgate.AspNetCore.Steps;
using Floodgate.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Floodgate.AspNetCore.RateLimiting;

/// <summary>
/// Floodgate as a <see cref="PartitionedRateLimiter{HttpContext}"/>, so it plugs into ASP.NET Core's own
/// <c>AddRateLimiter</c> / <c>UseRateLimiter</c>. It decides through the same steps as the middleware
/// (<see cref="RequestDecider"/>: identification, bans, tiers, breaker, all three layers, shadow mode, slow-down,
/// penalties; any store), writes the same headers on an admitted request, and its <see cref="OnRejectedAsync"/> writes
/// the same rejection (headers, problem body, <see cref="FloodgateOptions.OnRejected"/>). What it leaves out is listed
/// in docs/architecture.md. A denial's lease carries <see cref="MetadataName.RetryAfter"/> and <see cref="MetadataName.ReasonPhrase"/>.
/// </summary>
public sealed class FloodgateRateLimiter : PartitionedRateLimiter<HttpContext>
{
    private static readonly RateLimitLease Acquired = new FloodgateLease(null);
    private readonly FloodgateSettingsProvider _settings;
    private readonly RateLimitPolicyResolver _policies;
    private readonly RequestDecider _decider;
    private readonly DecisionRecorder _recorder;
    private readonly RejectionWriter _rejections;
    private readonly TimeProvider _timeProvider;

    internal FloodgateRateLimiter(FloodgateSettingsProvider settings, RateLimitPolicyResolver policies, RequestDecider decider, DecisionRecorder recorder, RejectionWriter rejections, TimeProvider timeProvider)
    {
        _settings = settings;
        _policies = policies;
        _decider = decider;
        _recorder = recorder;
        _rejections = rejections;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        var settings = _settings.Current;
        var endpoint = resource.GetEndpoint();
        if (permitCount == 0 || _policies.Resolve(settings, resource, endpoint) is not { } policy)
        {
            return Acquired;
        }

        var deciding = _decider.DecideAsync(resource, settings, policy, endpoint, permitCount, resource.RequestAborted);
        if (!deciding.IsCompletedSuccessfully)
        {
            // Still under way (a validator or Redis): ASP.NET Core's middleware goes on to AcquireAsync, which awaits
            // this very decision instead of deciding (and counting) the request a second time.
            resource.Features.Set(new PendingDecision(settings, policy, null, deciding.AsTask()));
            return PendingDecision.Lease;
        }

        var verdict = deciding.Result;
        if (verdict.Outcome is RequestOutcome.Continue or RequestOutcome.Shadow)
        {
            return Admit(resource, settings, policy, verdict);
        }

        // A denial or a delay: AcquireAsync, which ASP.NET Core's middleware calls next, answers with it.
        resource.Features.Set(new PendingDecision(settings, policy, verdict, null));
        return PendingDecision.Lease;
    }

    /// <inheritdoc />
    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        FloodgateSettings settings;
        RateLimitPolicy policy;
        RequestVerdict verdict;
        if (resource.Features.Get<PendingDecision>() is { } pending)
        {
            resource.Features.Set<PendingDecision>(null);
            (settings, policy) = (pending.Settings, pending.Policy);
            verdict = pending.Verdict ?? await pending.Deciding!.ConfigureAwait(false);
        }
        else
        {
            settings = _settings.Current;
            var endpoint = resource.GetEndpoint();
            if (permitCount == 0 || _policies.Resolve(settings, resource, endpoint) is not { } resolved)
            {
                return Acquired;
            }

            policy = resolved;
            verdict = await _decider.DecideAsync(resource, settings, policy, endpoint, permitCount, cancellationToken).ConfigureAwait(false);
        }

        switch (verdict.Outcome)
        {
            case RequestOutcome.Reject:
                // Recorded by the rejection writer, from OnRejectedAsync.
                return new FloodgateLease(new Rejection(settings, policy, verdict));
            case RequestOutcome.Delay:
                await Task.Delay(verdict.Delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                _recorder.Record(resource, policy, verdict, 0, null);
                return Acquired;
            default:
                return Admit(resource, settings, policy, verdict);
        }
    }

    /// <summary>
    /// Writes the rejection of a Floodgate lease as the middleware does (headers, problem body, the user's
    /// <see cref="FloodgateOptions.OnRejected"/>), keeping the status ASP.NET Core set; used as <see cref="RateLimiterOptions.OnRejected"/>.
    /// </summary>
    internal ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken) =>
        context.Lease is FloodgateLease { Rejection: { } rejection }
            ? new ValueTask(_rejections.WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode, rejection.Settings, rejection.Policy, rejection.Verdict, 0, null, cancellationToken))
            : ValueTask.CompletedTask;

    private RateLimitLease Admit(HttpContext resource, FloodgateSettings settings, RateLimitPolicy policy, in RequestVerdict verdict)
    {
        _recorder.Record(resource, policy, verdict, 0, null);
        if (verdict.Outcome == RequestOutcome.Continue && !settings.ShadowMode)
        {
            RateLimitHeaders.Write(resource.Response, settings.Headers, policy, verdict.Limits, verdict.Decision, _timeProvider.GetUtcNow());
        }

        return Acquired;
    }

    /// <summary>A decision <see cref="AttemptAcquireCore"/> started and <see cref="AcquireAsyncCore"/> finishes.</summary>
    private sealed class PendingDecision(FloodgateSettings settings, RateLimitPolicy policy, RequestVerdict? verdict, Task<RequestVerdict>? deciding)
    {
        /// <summary>The lease that sends ASP.NET Core's middleware on to <see cref="AcquireAsyncCore"/>.</summary>
        public static readonly RateLimitLease Lease = new FloodgateLease(null, isAcquired: false);

        public FloodgateSettings Settings { get; } = settings;

        public RateLimitPolicy Policy { get; } = policy;

        public RequestVerdict? Verdict { get; } = verdict;

        public Task<RequestVerdict>? Deciding { get; } = deciding;
    }

    private sealed record Rejection(FloodgateSettings Settings, RateLimitPolicy Policy, RequestVerdict Verdict);

    private sealed class FloodgateLease(Rejection? rejection, bool isAcquired = true) : RateLimitLease
    {
        private static readonly string[] DenialMetadata = [MetadataName.RetryAfter.Name, MetadataName.ReasonPhrase.Name];

        public Rejection? Rejection { get; } = rejection;

        public override bool IsAcquired => Rejection is null && isAcquired;

        public override IEnumerable<string> MetadataNames => Rejection is null ? [] : DenialMetadata;

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (Rejection?.Verdict.Decision is { } denied)
            {
                if (metadataName == MetadataName.RetryAfter.Name && denied.RetryAfter > TimeSpan.Zero && denied.RetryAfter != Timeout.InfiniteTimeSpan)
                {
                    metadata = denied.RetryAfter;
                    return true;
                }

                if (metadataName == MetadataName.ReasonPhrase.Name)
                {
                    metadata = RateLimitNames.Reason(denied.Reason);
                    return true;
                }
            }

            metadata = null;
            return false;
        }
    }
}
