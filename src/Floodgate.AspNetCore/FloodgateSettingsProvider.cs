using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Floodgate.AspNetCore;

/// <summary>Holds the compiled settings and rebuilds them when configuration reloads; an invalid reload keeps the last good settings.</summary>
internal sealed class FloodgateSettingsProvider : IDisposable
{
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<FloodgateSettingsProvider> _logger;
    private readonly IDisposable? _subscription;
    private volatile FloodgateSettings _current;

    public FloodgateSettingsProvider(IOptionsMonitor<FloodgateOptions> options, TimeProvider timeProvider, ILogger<FloodgateSettingsProvider> logger)
    {
        _timeProvider = timeProvider;
        _logger = logger;
        _current = Build(options.CurrentValue) ?? throw new OptionsValidationException(FloodgateOptions.SectionName, typeof(FloodgateOptions), ["Floodgate options are invalid."]);
        Watch(_current);
        _subscription = options.OnChange(Reload);
    }

    public FloodgateSettings Current => _current;

    /// <summary>Raised after new settings took effect.</summary>
    public event Action<FloodgateSettings>? Changed;

    public void Dispose() => _subscription?.Dispose();

    private void Reload(FloodgateOptions options)
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
        var settings = FloodgateSettings.Build(options, _timeProvider, errors);
        if (settings is null)
        {
            Log.SettingsReloadRejected(_logger, string.Join(" ", errors));
        }

        return settings;
    }
}
