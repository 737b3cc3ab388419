using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Floodgate.AspNetCore;

/// <summary>Holds the compiled settings and rebuilds them when configuration reloads; an invalid reload keeps the last good settings.</summary>
internal sealed class FloodgateSettingsProvider : IDisposable
{
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<FloodgateSettingsProvider> _logger;
    private readonly IDisposable? _subscription;
    private readonly IRateLimitRuleSource[] _sources;
    private readonly IOptionsMonitor<FloodgateOptions> _options;
    private readonly Lock _rebuild = new();
    private volatile FloodgateSettings _current;

    public FloodgateSettingsProvider(IOptionsMonitor<FloodgateOptions> options, TimeProvider timeProvider, ILogger<FloodgateSettingsProvider> logger, IEnumerable<IRateLimitRuleSource> sources)
    {
        _timeProvider = timeProvider;
        _logger = logger;
        _options = options;
        _sources = [.. sources];
        _current = Build(options.CurrentValue) ?? throw new OptionsValidationException(FloodgateOptions.SectionName, typeof(FloodgateOptions), ["Floodgate options are invalid."]);
        Watch(_current);
        _subscription = options.OnChange(Reload);
        foreach (var source in _sources)
        {
            source.Changed += () => Reload(_options.CurrentValue);
        }
    }

    public FloodgateSettings Current => _current;

    /// <summary>Raised after new settings took effect.</summary>
    public event Action<FloodgateSettings>? Changed;

    public void Dispose() => _subscription?.Dispose();

    private void Reload(FloodgateOptions options)
    {
        lock (_rebuild)
        {
            ReloadLocked(options);
        }
    }

    private void ReloadLocked(FloodgateOptions options)
    {
        try
        {
            if (Build(options) is { } settings)
            {
                Watch(settings);
                _current = settings;
                Log.SettingsReloaded(_logger);
                Changed?.Invoke(settings);
            }
        }
        catch (OptionsValidationException ex)
        {
            Log.SettingsReloadRejected(_logger, ex.Message);
        }
    }

    private void Watch(FloodgateSettings settings)
    {
        if (settings.Breaker is { } breaker)
        {
            breaker.StateChanged += state => Log.CircuitChanged(_logger, state);
        }
    }

    private FloodgateSettings? Build(FloodgateOptions options)
    {
        var errors = new List<string>();
        var dynamicErrors = new List<string>();
        var dynamicRules = new List<RuleOptions>();
        foreach (var source in _sources)
        {
            dynamicRules.AddRange(source.Rules);
        }

        var settings = FloodgateSettings.Build(options, dynamicRules, _timeProvider, errors, dynamicErrors);
        if (settings is null)
        {
            Log.SettingsReloadRejected(_logger, string.Join(" ", errors));
        }

        if (dynamicErrors.Count > 0)
        {
            Log.DynamicRulesSkipped(_logger, string.Join(" ", dynamicErrors));
        }

        return settings;
    }
}
