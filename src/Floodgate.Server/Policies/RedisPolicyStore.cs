using System.Text.Json;
using StackExchange.Redis;

namespace Floodgate.Server.Policies;

/// <summary>
/// Policies in Redis, shared by every instance: a hash <c>{prefix}:policies</c> (id → JSON), and a pub/sub message on
/// <c>{prefix}:policies:changed</c> after each change so every instance reloads at once.
/// </summary>
internal sealed class RedisPolicyStore : IPolicyStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKey _hash;
    private readonly RedisChannel _channel;

    public RedisPolicyStore(IConnectionMultiplexer redis, string prefix)
    {
        _redis = redis;
        _hash = $"{prefix}:policies";
        _channel = RedisChannel.Literal($"{prefix}:policies:changed");
        _redis.GetSubscriber().Subscribe(_channel, (_, _) => Changed?.Invoke());

        // After a reconnect a change may have been missed: reload.
        _redis.ConnectionRestored += (_, _) => Changed?.Invoke();
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
}
