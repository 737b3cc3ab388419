using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Floodgate.Diagnostics;

/// <summary>
/// The <c>Floodgate</c> meter: decisions by policy, layer and outcome; the duration of a check; bans; store errors.
/// Tags are built only when an instrument is listened to. A store or penalty box of one's own reports its failures through
/// <see cref="StoreError"/>, as the Redis store does.
/// </summary>
public sealed class FloodgateMetrics
{
    /// <summary>The meter's name: <c>AddMeter("Floodgate")</c> in OpenTelemetry listens to every Floodgate instrument.</summary>
    public const string MeterName = "Floodgate";

    /// <summary>The source of <c>floodgate.check</c> spans.</summary>
    public static readonly ActivitySource ActivitySource = new("Floodgate");

    private readonly Counter<long> _decisions;
    private readonly Histogram<double> _checkDuration;
    private readonly Counter<long> _bans;
    private readonly Counter<long> _storeErrors;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (the application's, in DI).</summary>
    public FloodgateMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _decisions = meter.CreateCounter<long>("floodgate.decisions", "{decision}", "Rate-limit decisions, by policy, layer and outcome.");
        _checkDuration = meter.CreateHistogram<double>(
            "floodgate.check.duration",
            "s",
            "Time spent deciding one request.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05] });
        _bans = meter.CreateCounter<long>("floodgate.bans", "{ban}", "Clients banned for repeated violations.");
        _storeErrors = meter.CreateCounter<long>("floodgate.store.errors", "{error}", "Store calls that failed or timed out.");
    }

    /// <summary>Whether anyone listens to the check duration: only then is the start of a check worth a timestamp.</summary>
    public bool IsTimed => _checkDuration.Enabled;

    /// <summary>Whether anyone listens to decisions or their duration.</summary>
    public bool IsListened => _decisions.Enabled || _checkDuration.Enabled;

    /// <summary>
    /// Counts one decision; <paramref name="started"/> is a <see cref="Stopwatch.GetTimestamp"/> taken when
    /// <see cref="IsTimed"/> was true, or 0.
    /// </summary>
    public void Decision(string policy, RateLimitLayer layer, string outcome, RateLimitDenialReason reason, long started)
    {
        if (_decisions.Enabled)
        {
            var tags = new TagList
            {
                { "floodgate.policy", policy },
                { "floodgate.layer", RateLimitNames.Layer(layer) },
                { "floodgate.outcome", outcome },
            };
            if (reason != RateLimitDenialReason.None)
            {
                tags.Add("floodgate.reason", RateLimitNames.Reason(reason));
            }

            _decisions.Add(1, tags);
        }

        if (started != 0 && _checkDuration.Enabled)
        {
            _checkDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("floodgate.outcome", outcome));
        }
    }

    /// <summary>Counts one client banned for repeated violations (<c>floodgate.bans</c>).</summary>
    public void Ban()
    {
        if (_bans.Enabled)
        {
            _bans.Add(1);
        }
    }

    /// <summary>Counts one store call that failed or timed out (<c>floodgate.store.errors</c>), tagged with the store's name.</summary>
    public void StoreError(string store)
    {
        if (_storeErrors.Enabled)
        {
            _storeErrors.Add(1, new KeyValuePair<string, object?>("floodgate.store", store));
        }
    }
}
