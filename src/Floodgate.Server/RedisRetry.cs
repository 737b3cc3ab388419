using StackExchange.Redis;

namespace Floodgate.Server;

/// <summary>Runs a Redis step in the background until it succeeds, trying again each second while Redis cannot be reached.</summary>
internal static class RedisRetry
{
    /// <summary>Runs <paramref name="step"/> until it succeeds or <paramref name="stoppingToken"/> stops it; tells <paramref name="failed"/> why each try failed.</summary>
    public static async Task UntilDoneAsync(Func<Task> step, Action<string> failed, TimeProvider timeProvider, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await step().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                failed(ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
