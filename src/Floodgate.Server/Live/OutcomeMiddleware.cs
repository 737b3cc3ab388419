using Floodgate.AspNetCore;
using Floodgate.Server.NearLimit;
using Floodgate.Server.Recording;
using Floodgate.Server.Stats;

namespace Floodgate.Server.Live;

/// <summary>
/// Adds each limited request's outcome once, after the response: to the <see cref="TrafficStats"/> pipeline, and to
/// the <see cref="DecisionSampler"/>. The outcome comes from what Floodgate decided (<see cref="IRateLimitFeature"/>),
/// never from the status code: an application's own 503 is not a denial, and a denied request that Floodgate still
/// let through (shadow mode, slow-down) counts as allowed, as <see cref="MarkLetThrough"/> notes it. Runs outside
/// Floodgate, so it sees denials too.
/// </summary>
internal sealed class OutcomeMiddleware(RequestDelegate next, TrafficStats stats, DecisionSampler sampler, NearLimitTracker nearLimit, RequestRecorder recorder, TimeProvider timeProvider)
{
    /// <summary>
    /// Runs inside Floodgate, just before the application: a request that gets here with a denial was let through
    /// anyway. Allowed requests pass without a mark.
    /// </summary>
    public static Task MarkLetThrough(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<IRateLimitFeature>() is { Decision.IsAllowed: false })
        {
            context.Features.Set(LetThrough.Instance);
        }

        return next(context);
    }

    public Task InvokeAsync(HttpContext context)
    {
        // Without an await when the rest completes at once: no state machine per request. The arrival time, read
        // microseconds before Floodgate decides, is the time the record of the request keeps for replays.
        var arrived = timeProvider.GetUtcNow();
        var rest = next(context);
        if (rest.IsCompletedSuccessfully)
        {
            Record(context, arrived);
            return Task.CompletedTask;
        }

        return RecordAfterAsync(rest, context, arrived);
    }

    private async Task RecordAfterAsync(Task rest, HttpContext context, DateTimeOffset arrived)
    {
        await rest.ConfigureAwait(false);
        Record(context, arrived);
    }

    private void Record(HttpContext context, DateTimeOffset arrived)
    {
        if (context.Features.Get<IRateLimitFeature>() is not { } feature)
        {
            return;
        }

        var endpoint = EndpointNames.Of(context);
        var letThrough = !feature.Decision.IsAllowed && context.Features.Get<LetThrough>() is not null;
        var allowed = feature.Decision.IsAllowed || letThrough;
        stats.Record(endpoint, feature.Client.Id, allowed);
        sampler.Offer(feature, endpoint, context.Response.StatusCode, allowed);
        nearLimit.Observe(feature, endpoint);
        recorder.Append(arrived, feature, endpoint, context.Request.Path.Value ?? "/", letThrough);
    }

    /// <summary>The mark of a denied request that reached the application.</summary>
    private sealed class LetThrough
    {
        public static readonly LetThrough Instance = new();
    }
}
