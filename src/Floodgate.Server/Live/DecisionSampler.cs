using Floodgate.AspNetCore;
using Floodgate.Server.Stats;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Live;

/// <summary>
/// Decides which limited requests become <c>allowed</c> and <c>denied</c> events: those of a followed client, and
/// otherwise as many per second as <see cref="LiveOptions"/> budgets. A second's budget opens a tenth every 100 ms
/// (what a tenth leaves unused stays open), so that under a flood the events, and the listeners' sends, spread over
/// the second instead of all coming in its first milliseconds. Once the open budget is spent, a request costs one read
/// here; an event is handed to the <see cref="LiveHub"/>'s queue, never sent from the request.
/// </summary>
internal sealed class DecisionSampler : IDisposable
{
    private const int Steps = 10;
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    private readonly LiveHub _hub;
    private readonly TimeProvider _timeProvider;
    private readonly int _allowedBudget;
    private readonly int _deniedBudget;
    private readonly ITimer _opener;
    private int _allowedEvents;
    private int _deniedEvents;

    // Tenths of the second's budgets open, minus one.
    private int _opened;

    public DecisionSampler(LiveHub hub, IOptions<LiveOptions> options, TimeProvider timeProvider, TrafficStats stats)
    {
        _hub = hub;
        _timeProvider = timeProvider;
        _allowedBudget = options.Value.AllowedEventsPerSecond;
        _deniedBudget = options.Value.DeniedEventsPerSecond;
        stats.SecondEnded += _ =>
        {
            Volatile.Write(ref _opened, 0);
            Volatile.Write(ref _allowedEvents, 0);
            Volatile.Write(ref _deniedEvents, 0);
        };
        _opener = timeProvider.CreateTimer(static state => ((DecisionSampler)state!).OpenStep(), this, Step, Step);
    }

    public void Dispose() => _opener.Dispose();

    /// <summary>Makes the request an event when someone may hear it and it is followed or within this second's budget.</summary>
    public void Offer(IRateLimitFeature feature, string endpoint, int status, bool allowed)
    {
        var client = feature.Client.Id;
        if (_hub.HasAudience && (_hub.IsWatched(client) || TakeEvent(allowed)))
        {
            _hub.Publish(new DecisionEvent(_timeProvider.GetUtcNow(), client, endpoint, feature.Policy, feature.Decision, status, allowed));
        }
    }

    private bool TakeEvent(bool allowed)
    {
        var opened = Volatile.Read(ref _opened) + 1;
        return allowed
            ? Take(ref _allowedEvents, _allowedBudget * opened / Steps)
            : Take(ref _deniedEvents, _deniedBudget * opened / Steps);
    }

    // Read first: once the open budget is spent, requests stop writing the shared counter; never past it, so that a
    // race at a tenth's end takes nothing from the next.
    private static bool Take(ref int taken, int open)
    {
        var current = Volatile.Read(ref taken);
        while (current < open)
        {
            var seen = Interlocked.CompareExchange(ref taken, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    private void OpenStep()
    {
        var opened = Volatile.Read(ref _opened);
        if (opened < Steps - 1)
        {
            Interlocked.CompareExchange(ref _opened, opened + 1, opened);
        }
    }
}
