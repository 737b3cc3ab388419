using System.Text.Json;
using StackExchange.Redis;

namespace Floodgate.Server.Policies;

/// <summary>
/// Policies in Redis, shared by every instance: a hash <c>{prefix}:policies</c> (id → JSON), and a pub/sub message on
/// <c>{prefix}:policies:changed</c> after each change so every instance reloads at once. Nothing here waits for Redis
/// at start-up: the subscription is made in the background, trying again each second until Redis answers, and once
/// made (and after every reconnection) the policies are reloaded, so an instance started without Redis catches up.
/// </summary>
internal sealed partial class RedisPolicyStore : BackgroundService, IPolicyStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RedisPolicyStore> _logger;
    private readonly RedisKey _hash;
    private readonly RedisChannel _channel;

    public RedisPolicyStore(IConnectionMultiplexer redis, string prefix, TimeProvider timeProvider, ILogger<RedisPolicyStore> logger)
    {
        _redis = redis;
        _timeProvider = timeProvider;
        _logger = logger;
        _hash = $"{prefix}:policies";
        _channel = RedisChannel.Literal($"{prefix}:policies:changed");

        // After a reconnect a change may have been missed: reload.
        _redis.ConnectionRestored += OnConnectionRestored;
    }

    public event Action? Changed;

    public async Task<IReadOnlyList<PolicyDocument>> ListAsync(CancellationToken cancellationToken = default)
    {
        var entries = await _redis.GetDatabase().HashGetAllAsync(_hash);
        return [.. entries
            .Select(e => JsonSerializer.Deserialize((string)e.Value!, ServerJsonContext.Default.PolicyDocument))
            .OfType<PolicyDocument>()
            .OrderBy(p => p.Id, StringComparer.Ordinal)];
    }

    public async Task SaveAsync(PolicyDocument policy, CancellationToken cancellationToken = default)
    {
        await _redis.GetDatabase().HashSetAsync(_hash, policy.Id, JsonSerializer.Serialize(policy, ServerJsonContext.Default.PolicyDocument));
        await _redis.GetSubscriber().PublishAsync(_channel, policy.Id);
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        var deleted = await _redis.GetDatabase().HashDeleteAsync(_hash, id);
        if (deleted)
        {
            await _redis.GetSubscriber().PublishAsync(_channel, id);
        }

        return deleted;
    }

    public override void Dispose()
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        base.Dispose();
    }

    /// <summary>Subscribes to changes, trying again each second until Redis answers; then reloads once to catch up.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RedisRetry.UntilDoneAsync(
        async () =>
        {
            await _redis.GetSubscriber().SubscribeAsync(_channel, (_, _) => Changed?.Invoke()).ConfigureAwait(false);
            Changed?.Invoke(); // what changed while this instance was not listening
        },
        reason => LogSubscribeFailed(_logger, reason),
        _timeProvider,
        stoppingToken); // StackExchange.Redis subscribes again by itself after a reconnection.

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Changed?.Invoke();

    [LoggerMessage(202, LogLevel.Warning, "Policy changes of other instances cannot be heard until Redis answers: {Reason}")]
    private static partial void LogSubscribeFailed(ILogger logger, string reason);
}
