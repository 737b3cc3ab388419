using System.Diagnostics;
using Floodgate.AspNetCore.Headers;
using Floodgate.AspNetCore.Policies;
using Floodgate.AspNetCore.Steps;
using Floodgate.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Floodgate.AspNetCore;

/// <summary>
/// Sequences one request through Floodgate, top to bottom:
/// <list type="number">
/// <item>the policy (<see cref="RateLimitPolicyResolver"/>): none, and the request goes straight on;</item>
/// <item>the decision (<see cref="RequestDecider"/>): client ▸ ban ▸ tier ▸ breaker ▸ layers ▸ shadow ▸ slow-down ▸ penalty, one outcome;</item>
/// <item>the outcome: continue with the rate-limit headers, let a shadow denial through, wait out a delay, or hand a
/// rejection to the <see cref="RejectionWriter"/>.</item>
/// </list>
/// The common case, a request the in-memory store admits, completes its check synchronously and allocates no state machine.
/// </summary>
internal sealed class FloodgateMiddleware
{
    private readonly RequestDelegate _next;
    private readonly FloodgateSettingsProvider _settings;
    private readonly RateLimitPolicyResolver _policies;
    private readonly RequestDecider _decider;
    private readonly DecisionRecorder _recorder;
    private readonly RejectionWriter _rejections;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<FloodgateMiddleware> _logger;

    public FloodgateMiddleware(
        RequestDelegate next,
        FloodgateSettingsProvider settings,
        RateLimitPolicyResolver policies,
        RequestDecider decider,
        DecisionRecorder recorder,
        RejectionWriter rejections,
        TimeProvider timeProvider,
        ILogger<FloodgateMiddleware> logger)
    {
        _next = next;
        _settings = settings;
        _policies = policies;
        _decider = decider;
        _recorder = recorder;
        _rejections = rejections;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var settings = _settings.Current;
        var endpoint = context.GetEndpoint();
        if (_policies.Resolve(settings, context, endpoint) is not { } policy)
        {
            return _next(context);
        }

        var started = _recorder.Start();
        var activity = FloodgateMetrics.ActivitySource.HasListeners() ? FloodgateMetrics.ActivitySource.StartActivity("floodgate.check") : null;

        // Read once: every read of HttpContext.RequestAborted goes through a feature lookup and a lock in Kestrel.
        var aborted = context.RequestAborted;
        var verdict = _decider.Start(context, settings, policy, endpoint, 1, aborted, out var pending);
        if (pending.IsWaiting)
        {
            return RespondAfterLayersAsync(context, settings, policy, endpoint, pending, started, activity, aborted);
        }

        return verdict.IsCompletedSuccessfully
            ? RespondAsync(context, settings, policy, verdict.Result, started, activity, aborted)
            : RespondLaterAsync(context, settings, policy, verdict, started, activity, aborted);
    }

    /// <summary>
    /// A remote store's answer under way: awaited here, in the one frame the request needs anyway, then the rest of the
    /// decision and the response.
    /// </summary>
    private async Task RespondAfterLayersAsync(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, Endpoint? endpoint, LayersPending pending, long started, Activity? activity, CancellationToken aborted)
    {
        ValueTask<RequestVerdict> verdict;
        try
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

            verdict = _decider.Finish(pending, decision, failure, context, settings, policy, endpoint, aborted);
        }
        catch
        {
            activity?.Dispose();
            throw;
        }

        await (verdict.IsCompletedSuccessfully
            ? RespondAsync(context, settings, policy, verdict.Result, started, activity, aborted)
            : RespondLaterAsync(context, settings, policy, verdict, started, activity, aborted)).ConfigureAwait(false);
    }

    private async Task RespondLaterAsync(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, ValueTask<RequestVerdict> verdict, long started, Activity? activity, CancellationToken aborted)
    {
        RequestVerdict decided;
        try
        {
            decided = await verdict.ConfigureAwait(false);
        }
        catch
        {
            activity?.Dispose();
            throw;
        }

        await RespondAsync(context, settings, policy, decided, started, activity, aborted).ConfigureAwait(false);
    }

    private Task RespondAsync(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, in RequestVerdict verdict, long started, Activity? activity, CancellationToken aborted)
    {
        switch (verdict.Outcome)
        {
            case RequestOutcome.Continue:
                _recorder.Record(context, policy, verdict, started, activity);
                activity?.Dispose();
                if (!settings.ShadowMode)
                {
                    RateLimitHeaders.Write(context.Response, settings.Headers, policy, verdict.Limits, verdict.Decision, _timeProvider.GetUtcNow());
                }

                return _next(context);

            case RequestOutcome.Shadow:
                _recorder.Record(context, policy, verdict, started, activity);
                activity?.Dispose();
                Log.ShadowDenied(_logger, verdict.Client.Id, policy.Name, RateLimitNames.Layer(verdict.Decision.Layer));
                return _next(context);

            case RequestOutcome.Delay:
                _recorder.Record(context, policy, verdict, started, activity);
                activity?.Dispose();
                Log.SlowedDown(_logger, verdict.Client.Id, policy.Name, verdict.Delay);
                return DelayAsync(context, verdict.Delay, aborted);

            default:
                return RejectAsync(context, settings, policy, verdict, started, activity, aborted);
        }
    }

    private async Task RejectAsync(HttpContext context, FloodgateSettings settings, RateLimitPolicy policy, RequestVerdict verdict, long started, Activity? activity, CancellationToken aborted)
    {
        using (activity)
        {
            await _rejections.WriteAsync(context, settings.StatusCode, settings, policy, verdict, started, activity, aborted).ConfigureAwait(false);
        }
    }

    private async Task DelayAsync(HttpContext context, TimeSpan delay, CancellationToken aborted)
    {
        await Task.Delay(delay, _timeProvider, aborted).ConfigureAwait(false);
        await _next(context).ConfigureAwait(false);
    }
}
