using StackExchange.Redis;

namespace Floodgate.Server.Live;

/// <summary>
/// The Redis relay between instances, when the service runs with Redis: publishes this instance's events and its
/// count of each second, and hears the other instances'. Subscribes in the background, trying again each second until
/// Redis answers: the service starts and serves without Redis, and hears the others once it comes.
/// </summary>
internal sealed partial class LiveRelay(IConnectionMultiplexer connection, string keyPrefix, TimeProvider timeProvider, ILogger<LiveRelay> logger)
{
    private readonly RedisChannel _eventsChannel = RedisChannel.Literal(keyPrefix + ":live");
    private readonly RedisChannel _statsChannel = RedisChannel.Literal(keyPrefix + ":live:stats");

    /// <summary>Raised for each per-second count another instance published (the bytes of a <see cref="StatsPart"/>).</summary>
    public event Action<byte[]>? StatsPartReceived;

    /// <summary>Sends one event (its JSON) to the other instances, without waiting.</summary>
    public void PublishEvent(byte[] json) => Publish(_eventsChannel, json);

    /// <summary>Sends this instance's count of one second to the other instances, without waiting.</summary>
    public void PublishStatsPart(byte[] part) => Publish(_statsChannel, part);

    /// <summary>Starts hearing the other instances in the background: <paramref name="deliver"/> gets each of their events, in order.</summary>
    public void Listen(string instance, Action<LiveMessage> deliver, CancellationToken stoppingToken) =>
        _ = ListenAsync(instance, deliver, stoppingToken);

    private void Publish(RedisChannel channel, byte[] payload)
    {
        try
        {
            connection.GetSubscriber().Publish(channel, payload, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogRelayFailed(logger, ex.Message);
        }
    }

    private async Task ListenAsync(string instance, Action<LiveMessage> deliver, CancellationToken stoppingToken)
    {
        await Task.Yield(); // never on the caller's thread: start-up goes on at once
        await RedisRetry.UntilDoneAsync(
            async () =>
            {
                var subscriber = connection.GetSubscriber();
                var events = await subscriber.SubscribeAsync(_eventsChannel).ConfigureAwait(false);
                ChannelMessageQueue stats;
                try
                {
                    stats = await subscriber.SubscribeAsync(_statsChannel).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    // Never half subscribed: the next try subscribes to both again.
                    await events.UnsubscribeAsync(CommandFlags.FireAndForget).ConfigureAwait(false);
                    throw;
                }

                stats.OnMessage(message =>
                {
                    if ((byte[]?)message.Message is { } part)
                    {
                        StatsPartReceived?.Invoke(part);
                    }
                });

                // Processed in order, one at a time: events of one instance keep their order.
                events.OnMessage(message =>
                {
                    if ((byte[]?)message.Message is { } json && LiveMessage.Parse(json) is { } parsed && parsed.Instance != instance)
                    {
                        deliver(parsed);
                    }
                });
            },
            reason => LogListenFailed(logger, reason),
            timeProvider,
            stoppingToken).ConfigureAwait(false); // StackExchange.Redis subscribes again by itself after a reconnection.
    }

    [LoggerMessage(1, LogLevel.Debug, "Live events could not be published to Redis: {Reason}")]
    private static partial void LogRelayFailed(ILogger logger, string reason);

    [LoggerMessage(2, LogLevel.Warning, "Live events of other instances cannot be heard until Redis answers: {Reason}")]
    private static partial void LogListenFailed(ILogger logger, string reason);
}
