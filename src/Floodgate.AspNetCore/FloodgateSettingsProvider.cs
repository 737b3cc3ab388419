using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Floodgate.AspNetCore;

/// <summary>
/// Holds the compiled settings and rebuilds them when configuration or a rule source changes; an invalid reload keeps
/// the last good settings. Each new settings object is handed to <see cref="FloodgateRuntime"/>, which keeps its state.
/// </summary>
internal sealed class FloodgateSettingsProvider : IDisposable
{
    private readonly FloodgateRuntime _runtime;
    private readonly FloodgateOptionsValidator? _validator;
    private readonly ILogger<FloodgateSettingsProvider> _logger;
    private readonly IDisposable? _subscription;
    private readonly IRateLimitRuleSource[] _sources;
    private readonly IOptionsFactory<FloodgateOptions> _factory;
    private readonly Lock _rebuild = new();
    private volatile FloodgateSettings _current;
    private volatile FloodgateOptions _options;

    public FloodgateSettingsProvider(
        IOptions<FloodgateOptions> options,
        IOptionsFactory<FloodgateOptions> factory,
        FloodgateRuntime runtime,
        ILogger<FloodgateSettingsProvider> logger,
        IEnumerable<IRateLimitRuleSource> sources,
        IEnumerable<IValidateOptions<FloodgateOptions>> validators,
        IConfiguration? configuration = null)
    {
        _runtime = runtime;
        _validator = validators.OfType<FloodgateOptionsValidator>().FirstOrDefault();
        _logger = logger;
        _factory = factory;
        _sources = [.. sources];
        _options = options.Value;
        _current = (_sources.Length == 0 ? _validator?.CompiledFor(_options) : null) ?? Build(_options) ?? throw Invalid(_options);
        _runtime.Apply(_current);

        // Configuration reloads (a changed appsettings.json) are read through the options factory, so that they are bound
        // and validated as at start-up; an invalid one is logged and changes nothing.
        if (configuration is not null)
        {
            _subscription = ChangeToken.OnChange(configuration.GetReloadToken, ReloadConfiguration);
        }

        foreach (var source in _sources)
        {
            source.Changed += () => Reload(_options);
        }
    }

    public FloodgateSettings Current => _current;

    /// <summary>Raised after new settings took effect.</summary>
    public event Action<FloodgateSettings>? Changed;

    public void Dispose() => _subscription?.Dispose();

    private void ReloadConfiguration()
    {
        FloodgateOptions options;
        try
        {
            options = _factory.Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex)
        {
            Log.SettingsReloadRejected(_logger, string.Join(" ", ex.Failures));
            return;
        }

        _options = options;
        Reload(options);
    }

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
                _runtime.Apply(settings);
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

    private FloodgateSettings? Build(FloodgateOptions options)
    {
        var errors = new List<string>();
        var dynamicErrors = new List<string>();
        var dynamicRules = new List<RuleOptions>();
        foreach (var source in _sources)
        {
            dynamicRules.AddRange(source.Rules);
        }

        FloodgateOptionsValidator.CheckValues(options, errors);
        var settings = errors.Count == 0 ? FloodgateSettings.Build(options, dynamicRules, errors, dynamicErrors) : null;
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

    private static OptionsValidationException Invalid(FloodgateOptions options)
    {
        var errors = new List<string>();
        FloodgateOptionsValidator.CheckValues(options, errors);
        FloodgateSettings.Build(options, errors);
        return new OptionsValidationException(FloodgateOptions.SectionName, typeof(FloodgateOptions), errors);
    }
}
