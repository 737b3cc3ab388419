using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Floodgate.Server.Envoy;

/// <summary>
/// The configuration in force, read from <see cref="EnvoyRlsOptions.Config"/> at start-up (a bad file stops start-up)
/// and again whenever something changes where it is read from, once the change has settled for
/// <see cref="EnvoyRlsOptions.ReloadDelay"/>. A reload that fails is logged and the last good configuration stays in
/// force.
/// </summary>
/// <remarks>
/// A configured directory is watched whole, dot-entries included: a Kubernetes ConfigMap volume changes by swapping
/// its <c>..data</c> link, and no <c>*.yaml</c> file there changes itself. So the files are read on every change and
/// parsed only when their text differs from the configuration in force (or from the last text refused).
/// </remarks>
internal sealed class RlsConfigSource : IDisposable
{
    private readonly EnvoyRlsOptions _options;
    private readonly RlsMetrics _metrics;
    private readonly ILogger<RlsConfigSource> _logger;
    private readonly ITimer _reloadTimer;
    private readonly List<IDisposable> _watches = [];
    private readonly Lock _reloadLock = new();
    private RlsConfig? _current;
    private List<RlsConfigFile>? _refused;

    public RlsConfigSource(IOptions<EnvoyRlsOptions> options, RlsMetrics metrics, TimeProvider timeProvider, ILogger<RlsConfigSource> logger)
    {
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        _reloadTimer = timeProvider.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The configuration in force.</summary>
    public RlsConfig Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("The Envoy rate limit configuration is not loaded yet.");

    /// <summary>Loads the configuration and, when <see cref="EnvoyRlsOptions.Watch"/> is on, starts watching where it comes from.</summary>
    /// <exception cref="RlsConfigException">A file is missing or malformed; the message names the file and the line.</exception>
    public void Start()
    {
        var config = RlsConfigParser.Load(_options.Config);
        _metrics.Load(success: true);
        Volatile.Write(ref _current, config);
        if (!_options.Watch)
        {
            return;
        }

        foreach (var path in _options.Config)
        {
            var full = Path.GetFullPath(path);
            var isDirectory = Directory.Exists(full);
            var provider = new PhysicalFileProvider(isDirectory ? full : Path.GetDirectoryName(full)!, ExclusionFilters.None)
            {
                UsePollingFileWatcher = _options.PollForChanges,
                UseActivePolling = _options.PollForChanges,
            };
            var filter = isDirectory ? "**/*" : Path.GetFileName(full);
            _watches.Add(provider);
            _watches.Add(ChangeToken.OnChange(() => provider.Watch(filter), Changed));
        }
    }

    /// <summary>Reads the files again now; when their text changed, parses them, or logs why not and keeps the configuration in force.</summary>
    /// <returns>Whether the files' configuration is in force.</returns>
    public bool Reload()
    {
        lock (_reloadLock)
        {
            try
            {
                var sources = RlsConfigParser.Read(_options.Config);
                if (Current.IsReadFrom(sources))
                {
                    return true;
                }

                if (_refused is not null && _refused.SequenceEqual(sources))
                {
                    return false;
                }

                _refused = sources;
                var config = RlsConfigParser.Build(sources);
                _refused = null;
                Volatile.Write(ref _current, config);
                _metrics.Load(success: true);
                Log.Reloaded(_logger, config.Domains.Count, config.Sources.Count);
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
