using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using StackExchange.Redis;

namespace Floodgate.Server.Recording;

/// <summary>
/// With Redis, a replay reads every instance's record, merged on demand: the instance that replays publishes the range
/// it wants; each other instance writes its requests of the range (<see cref="RecordingWire"/>) to a key that expires
/// in a minute and publishes the key; the asker reads the keys of those that answer within
/// <see cref="RecordingOptions.GatherTimeout"/>. Requests never touch Redis for the record: it costs nothing until a
/// replay asks.
/// </summary>
internal sealed partial class RecordingExchange(
    IConnectionMultiplexer connection,
    string keyPrefix,
    string instance,
    RequestRecorder recorder,
    TimeSpan gatherTimeout,
    TimeProvider timeProvider,
    ILogger<RecordingExchange> logger) : BackgroundService
{
    private static readonly TimeSpan AnswerLifetime = TimeSpan.FromMinutes(1);

    private readonly RedisChannel _askChannel = RedisChannel.Literal(keyPrefix + ":recording:ask");
    private readonly RedisChannel _answerChannel = RedisChannel.Literal(keyPrefix + ":recording:answer");
    private readonly ConcurrentDictionary<string, Channel<string>> _waiting = new(StringComparer.Ordinal);

    /// <summary>This instance's requests of the range and those of every instance that answers in time.</summary>
    public async Task<RecordingGathered> GatherAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var parts = new List<List<RecordedRequest>> { recorder.Read(from, to) };
        var dropped = recorder.Dropped;
        var id = Guid.NewGuid().ToString("N");
        var answers = Channel.CreateUnbounded<string>();
        _waiting[id] = answers;
        try
        {
            // Every instance listens, this one too: the others are one fewer than the listeners.
            var listeners = await connection.GetSubscriber().PublishAsync(_askChannel, string.Join('\n', id, instance, from.UtcTicks.ToString(CultureInfo.InvariantCulture), to.UtcTicks.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
            var others = (int)Math.Max(listeners - 1, 0);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(gatherTimeout);
            var database = connection.GetDatabase();
            for (var answered = 0; answered < others; answered++)
            {
                var key = await answers.Reader.ReadAsync(deadline.Token).ConfigureAwait(false);
                var bytes = (byte[]?)await database.StringGetDeleteAsync(key).ConfigureAwait(false);
                if (bytes is not null && RecordingWire.Read(bytes) is { } part)
                {
                    parts.Add(part.Requests);
                    dropped += part.Dropped;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogGatherIncomplete(logger, parts.Count - 1);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogGatherFailed(logger, ex.Message);
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }

        return new RecordingGathered(parts, parts.Count, dropped);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RedisRetry.UntilDoneAsync(
        async () =>
        {
            var subscriber = connection.GetSubscriber();
            await subscriber.SubscribeAsync(_answerChannel, (_, message) => OnAnswer(message)).ConfigureAwait(false);
            await subscriber.SubscribeAsync(_askChannel, (channel, message) => _ = AnswerAsync(message)).ConfigureAwait(false);
        },
        reason => LogListenFailed(logger, reason),
        timeProvider,
        stoppingToken);

    private void OnAnswer(RedisValue message)
    {
        var parts = ((string?)message)?.Split('\n');
        if (parts is [var id, var key] && _waiting.TryGetValue(id, out var answers))
        {
            answers.Writer.TryWrite(key);
        }
    }

    /// <summary>Answers another instance's ask with this instance's requests of the range.</summary>
    private async Task AnswerAsync(RedisValue message)
    {
        if (((string?)message)?.Split('\n') is not [var id, var asker, var fromText, var toText]
            || asker == instance
            || !long.TryParse(fromText, CultureInfo.InvariantCulture, out var from)
            || !long.TryParse(toText, CultureInfo.InvariantCulture, out var to))
        {
            return;
        }

        try
        {
            await Task.Yield(); // off Redis's delivery thread: reading and writing the record takes a while
            var requests = recorder.Read(new DateTimeOffset(from, TimeSpan.Zero), new DateTimeOffset(to, TimeSpan.Zero));
            var key = $"{keyPrefix}:recording:{id}:{instance}";
            await connection.GetDatabase().StringSetAsync(key, RecordingWire.Write(requests, recorder.Dropped), AnswerLifetime).ConfigureAwait(false);
            await connection.GetSubscriber().PublishAsync(_answerChannel, id + "\n" + key).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentOutOfRangeException)
        {
            LogAnswerFailed(logger, ex.Message);
        }
    }

    [LoggerMessage(401, LogLevel.Warning, "A replay read the record of {Answered} other instances only: the others did not answer in time")]
    private static partial void LogGatherIncomplete(ILogger logger, int answered);

    [LoggerMessage(402, LogLevel.Warning, "A replay could not ask the other instances for their records through Redis; it replays this instance's only: {Reason}")]
    private static partial void LogGatherFailed(ILogger logger, string reason);

    [LoggerMessage(403, LogLevel.Warning, "Another instance's replay could not be sent this instance's record through Redis: {Reason}")]
    private static partial void LogAnswerFailed(ILogger logger, string reason);

    [LoggerMessage(404, LogLevel.Warning, "Replays cannot read the other instances' records until Redis answers: {Reason}")]
    private static partial void LogListenFailed(ILogger logger, string reason);
}
