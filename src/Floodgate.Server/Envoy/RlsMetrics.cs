using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Floodgate.Server.Envoy;

/// <summary>
/// The rate limit service's instruments on the <c>Floodgate</c> meter, per domain and descriptor as envoyproxy/ratelimit
/// counts them (<c>total_hits</c>, <c>over_limit</c>, <c>within_limit</c>, <c>shadow_mode</c>). The descriptor tag is
/// the configured path (<c>domain.key_value.key</c>), never a value from a request, so the tags stay few.
/// </summary>
internal sealed class RlsMetrics
{
    /// <summary>The domain tag of a request for a domain no file configures.</summary>
    public const string UnknownDomain = "(unknown)";

    private readonly Counter<long> _calls;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _reloads;

    public RlsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create("Floodgate");
        _calls = meter.CreateCounter<long>("floodgate.rls.calls", "{call}", "ShouldRateLimit calls, by domain and overall code (ok, over_limit, error).");
        _hits = meter.CreateCounter<long>("floodgate.rls.hits", "{hit}", "Hits (hits_addend) on configured descriptors, by domain, descriptor and outcome (within_limit, over_limit, shadow_mode, unlimited).");
        _reloads = meter.CreateCounter<long>("floodgate.rls.config.loads", "{load}", "Configuration loads, by result (success, error).");
    }

    public void Call(string domain, string code)
    {
        if (_calls.Enabled)
        {
            _calls.Add(1, new TagList { { "floodgate.rls.domain", domain }, { "floodgate.rls.code", code } });
        }
    }

    public void Hits(string domain, string descriptor, string outcome, ulong hits)
    {
        if (_hits.Enabled)
        {
            _hits.Add((long)Math.Min(hits, long.MaxValue), new TagList { { "floodgate.rls.domain", domain }, { "floodgate.rls.descriptor", descriptor }, { "floodgate.rls.outcome", outcome } });
        }
    }

    public void Load(bool success)
    {
        if (_reloads.Enabled)
        {
            _reloads.Add(1, new KeyValuePair<string, object?>("floodgate.rls.result", success ? "success" : "error"));
        }
    }
}
