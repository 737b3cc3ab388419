using Floodgate.AspNetCore;

namespace Floodgate.Server.Policies;

/// <summary>Feeds the policies of an <see cref="IPolicyStore"/> to Floodgate as run-time rules, reloading on every change.</summary>
internal sealed partial class PolicyRuleSource : IRateLimitRuleSource, IDisposable
{
    private readonly IPolicyStore _store;
    private readonly ILogger<PolicyRuleSource> _logger;
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile IReadOnlyList<PolicyDocument> _policies = [];
    private volatile IReadOnlyList<RuleOptions> _rules = [];

    public PolicyRuleSource(IPolicyStore store, ILogger<PolicyRuleSource> logger)
    {
        _store = store;
        _logger = logger;
        _store.Changed += () => _ = ReloadAsync();
    }

    public IReadOnlyList<RuleOptions> Rules => _rules;

    public IReadOnlyList<PolicyDocument> Policies => _policies;

    public event Action? Changed;

    /// <summary>Raised after a reload with the policies now in force (for live events).</summary>
    public event Action<IReadOnlyList<PolicyDocument>>? Reloaded;

    public async Task ReloadAsync()
    {
        await _reload.WaitAsync();
        try
        {
            var policies = await _store.ListAsync();
            _policies = policies;
            _rules = [.. policies.Select(p => p.ToRule())];
            Changed?.Invoke();
            Reloaded?.Invoke(policies);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReloadFailed(_logger, ex);
        }
        finally
        {
            _reload.Release();
        }
    }

    public void Dispose() => _reload.Dispose();

    [LoggerMessage(201, LogLevel.Error, "Policies could not be reloaded; the previous ones stay in force")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);
}
