using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Floodgate.AspNetCore;
using Floodgate.Server.Live;
using Floodgate.Server.Stats;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.NearLimit;

/// <summary>
/// Envoy's <c>near_limit</c>: counts (<c>floodgate.near_limit</c>) and tells the live streams (<c>near_limit</c>) when a
/// client first uses <see cref="NearLimitOptions.Ratio"/> of one of its limits in a window, once per client, policy and
/// limit per window, not per request. Windows are the limit's own, aligned on the Unix epoch as the algorithms' are.
/// A request below the ratio costs a few comparisons; one above it a dictionary read (an allocation only the first
/// time a client comes near a limit). The table is bounded: at <see cref="NearLimitOptions.MaxTracked"/> entries no new
/// client is reported until the once-a-second sweep forgets the entries whose window has ended.
/// </summary>
internal sealed class NearLimitTracker
{
    private readonly double _ratio;
    private readonly int _maxTracked;
    private readonly TimeProvider _timeProvider;
    private readonly LiveHub _hub;
    private readonly Counter<long> _reports;
    private readonly ConcurrentDictionary<NearLimitKey, WindowMark> _reported = new();
    private int _tracked;

    public NearLimitTracker(IOptions<NearLimitOptions> options, TimeProvider timeProvider, LiveHub hub, IMeterFactory meters, TrafficStats stats)
    {
        _ratio = options.Value.Ratio;
        _maxTracked = options.Value.MaxTracked;
        _timeProvider = timeProvider;
        _hub = hub;
        _reports = meters.Create("Floodgate").CreateCounter<long>(
            "floodgate.near_limit", "{client}", "Clients that passed the near-limit share of a limit, once per client, policy and limit per window.");
        stats.SecondEnded += _ => Sweep();
    }

    /// <summary>Entries remembered now.</summary>
    public int Tracked => Volatile.Read(ref _tracked);

    /// <summary>Looks at one limited request's decision; reports the client when it just came near a client limit.</summary>
    public void Observe(IRateLimitFeature feature, string endpoint)
    {
        var decision = feature.Decision;
        if (_ratio == 0 || decision.Rule is not { } rule || decision.Layer != RateLimitLayer.Client
            || decision.Reason is not (RateLimitDenialReason.None or RateLimitDenialReason.LimitExceeded))
        {
            return;
        }

        var used = rule.Capacity - Math.Max(decision.Remaining, 0);
        if (used < Threshold(rule.Capacity))
        {
            return;
        }

        var now = _timeProvider.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var windowEnd = (now / rule.Window.Ticks + 1) * rule.Window.Ticks;
        if (!TryMark(new NearLimitKey(feature.Policy, feature.Client.Id, rule), now, windowEnd))
        {
            return;
        }

        if (_reports.Enabled)
        {
            _reports.Add(1, new KeyValuePair<string, object?>("floodgate.policy", feature.Policy));
        }

        if (_hub.HasAudience)
        {
            _hub.Publish(new NearLimitEvent(_timeProvider.GetUtcNow(), feature.Client.Id, feature.Policy, endpoint, rule, used));
        }
    }

    /// <summary>The used units that make a client near a limit of <paramref name="capacity"/>: the ratio's share, rounded up.</summary>
    internal long Threshold(long capacity) => Math.Max(1, (long)Math.Ceiling(_ratio * capacity));

    /// <summary>Forgets the entries whose window has ended.</summary>
    internal void Sweep()
    {
        if (Volatile.Read(ref _tracked) == 0)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        foreach (var (key, mark) in _reported)
        {
            if (Volatile.Read(ref mark.WindowEnd) <= now && _reported.TryRemove(key, out _))
            {
                Interlocked.Decrement(ref _tracked);
            }
        }
    }

    /// <summary>Marks the key as reported until <paramref name="windowEnd"/>; false when it already was in this window (or the table is full).</summary>
    private bool TryMark(NearLimitKey key, long now, long windowEnd)
    {
        if (_reported.TryGetValue(key, out var mark))
        {
            var until = Volatile.Read(ref mark.WindowEnd);
            return until <= now && Interlocked.CompareExchange(ref mark.WindowEnd, windowEnd, until) == until;
        }

        if (Interlocked.Increment(ref _tracked) > _maxTracked)
        {
            Interlocked.Decrement(ref _tracked);
            return false;
        }

        if (_reported.TryAdd(key, new WindowMark { WindowEnd = windowEnd }))
        {
            return true;
        }

        // Another request of the same client added it first and reports.
        Interlocked.Decrement(ref _tracked);
        return false;
    }

    private readonly record struct NearLimitKey(string Policy, string Client, RateLimit Rule);

    /// <summary>The end of the window in which the key was last reported, in ticks since the Unix epoch.</summary>
    private sealed class WindowMark
    {
        public long WindowEnd;
    }
}
