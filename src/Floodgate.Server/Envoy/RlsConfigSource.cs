using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Floodgate.Server.Envoy;

/// <summary>
/// The configuration in force, read from <see cref="EnvoyRlsOptions.Config"/> at start-up (a bad file stops start-up)
/// and again whenever a file there changes, once the change has settled for <see cref="EnvoyRlsOptions.ReloadDelay"/>.
/// A reload that fails is logged and the last good configuration stays in force.
/// </summary>
internal sealed class RlsConfigSource : IDisposable
{
    private readonly EnvoyRlsOptions _options;
    private readonly RlsMetrics _metrics;
    private readonly ILogger<RlsConfigSource> _logger;
    private readonly ITimer _reloadTimer;
    private readonly List<IDisposable> _watches = [];
    private readonly Lock _reloadLock = new();
    private RlsConfig? _current;

    public RlsConfigSource(IOptions<EnvoyRlsOptions> options, RlsMetrics metrics, TimeProvider timeProvider, ILogger<RlsConfigSource> logger)
    {
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        _reloadTimer = timeProvider.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The configuration in force.</summary>
    public RlsConfig Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("The Envoy rate limit configuration is not loaded yet.");

    /// <summary>Loads the configuration and, when <see cref="EnvoyRlsOptions.Watch"/> is on, starts watching its files.</summary>
    /// <exception cref="RlsConfigException">A file is missing or malformed; the message names the file and the line.</exception>
    public void Start()
    {
        var config = RlsConfigParser.Load(_options.Config);
        _metrics.Load(success: true);
        Volatile.Write(ref _current, config);
        if (_options.Watch)
        {
            foreach (var path in _options.Config)
            {
                var full = Path.GetFullPath(path);
                var isDirectory = Directory.Exists(full);
                var provider = new PhysicalFileProvider(isDirectory ? full : Path.GetDirectoryName(full)!)
                {
                    UsePollingFileWatcher = _options.PollForChanges,
                    UseActivePolling = _options.PollForChanges,
                };
                _watches.Add(provider);
                _watches.Add(isDirectory
                    ? ChangeToken.OnChange(() => new CompositeChangeToken([provider.Watch("*.yaml"), provider.Watch("*.yml")]), Changed)
                    : ChangeToken.OnChange(() => provider.Watch(Path.GetFileName(full)), Changed));
            }
        }
    }

    /// <summary>Reads the files again now; on failure logs why and keeps the configuration in force.</summary>
    /// <returns>Whether the new configuration is in force.</returns>
    public bool Reload()
    {
        lock (_reloadLock)
        {
            try
            {
                var config = RlsConfigParser.Load(_options.Config);
                Volatile.Write(ref _current, config);
                _metrics.Load(success: true);
                Log.Reloaded(_logger, config.Domains.Count, config.Files.Count);
                return true;
            }
            catch (RlsConfigException e)
            {
                _metrics.Load(success: false);
                Log.ReloadFailed(_logger, e.Message);
                return false;
            }
        }
    }

    public void Dispose()
    {
        _reloadTimer.Dispose();
        foreach (var watch in _watches)
        {
            watch.Dispose();
        }
    }

    /// <summary>Each change (re)starts the settle delay: a burst of writes is read once, after the last.</summary>
    private void Changed() => _reloadTimer.Change(_options.ReloadDelay, Timeout.InfiniteTimeSpan);
}
