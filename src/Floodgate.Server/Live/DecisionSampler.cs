using Floodgate.AspNetCore;
using Floodgate.Server.Stats;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Live;

/// <summary>
/// Decides which limited requests become <c>allowed</c> and <c>denied</c> events: those of a followed client, and
/// otherwise as many per second as <see cref="LiveOptions"/> budgets. Once a second's budget is spent, a request costs
/// one read here; an event is handed to the <see cref="LiveHub"/>'s queue, never sent from the request.
/// </summary>
internal sealed class DecisionSampler
{
    private readonly LiveHub _hub;
    private readonly TimeProvider _timeProvider;
    private readonly int _allowedBudget;
    private readonly int _deniedBudget;
    private int _allowedEvents;
    private int _deniedEvents;

    public DecisionSampler(LiveHub hub, IOptions<LiveOptions> options, TimeProvider timeProvider, TrafficStats stats)
    {
        _hub = hub;
        _timeProvider = timeProvider;
        _allowedBudget = options.Value.AllowedEventsPerSecond;
        _deniedBudget = options.Value.DeniedEventsPerSecond;
        stats.SecondEnded += _ =>
        {
            Volatile.Write(ref _allowedEvents, 0);
            Volatile.Write(ref _deniedEvents, 0);
        };
    }

    /// <summary>Makes the request an event when someone may hear it and it is followed or within this second's budget.</summary>
    public void Offer(IRateLimitFeature feature, string endpoint, int status, bool allowed)
    {
        var client = feature.Client.Id;
        if (_hub.HasAudience && (_hub.IsWatched(client) || TakeEvent(allowed)))
        {
            _hub.Publish(new DecisionEvent(_timeProvider.GetUtcNow(), client, endpoint, feature.Policy, feature.Decision, status, allowed));
        }
    }

    private bool TakeEvent(bool allowed) => allowed
        ? Take(ref _allowedEvents, _allowedBudget)
        : Take(ref _deniedEvents, _deniedBudget);

    // Read first: once the budget is spent, requests stop writing the shared counter.
    private static bool Take(ref int taken, int budget) => Volatile.Read(ref taken) < budget && Interlocked.Increment(ref taken) <= budget;
}
