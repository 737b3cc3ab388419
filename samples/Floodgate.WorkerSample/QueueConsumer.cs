using System.Threading.Channels;
using Floodgate.Storage;

namespace Floodgate.WorkerSample;

/// <summary>
/// Consumes the queue at no more than <c>Consumer:Limit</c> per tenant: a message over the limit waits for the store's
/// <see cref="RateLimitDecision.RetryAfter"/> instead of being handled, then is asked for again.
/// </summary>
public sealed partial class QueueConsumer(
    Channel<QueueMessage> queue,
    IRateLimitStore store,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<QueueConsumer> logger) : BackgroundService
{
    private readonly RateLimit _limit = RateLimit.Parse(configuration["Consumer:Limit"] ?? "5/10s");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in queue.Reader.ReadAllAsync(stoppingToken))
        {
            var decision = await store.AcquireAsync("queue:" + message.Tenant, _limit, 1, stoppingToken);
            while (!decision.IsAllowed)
            {
                if (!decision.CanRetry)
                {
                    Rejected(logger, message.Tenant, message.Body);
                    break;
                }

                Waiting(logger, message.Tenant, decision.RetryAfter.TotalSeconds);
                await Task.Delay(decision.RetryAfter, time, stoppingToken);
                decision = await store.AcquireAsync("queue:" + message.Tenant, _limit, 1, stoppingToken);
            }

            if (decision.IsAllowed)
            {
                Handled(logger, message.Tenant, message.Body, decision.Remaining);
            }
        }
    }

    [LoggerMessage(1, LogLevel.Information, "{Tenant}: handled {Body} ({Remaining} left in this window)")]
    private static partial void Handled(ILogger logger, string tenant, string body, long remaining);

    [LoggerMessage(2, LogLevel.Information, "{Tenant}: over its limit, waiting {Seconds:0.###} s")]
    private static partial void Waiting(ILogger logger, string tenant, double seconds);

    [LoggerMessage(3, LogLevel.Warning, "{Tenant}: {Body} costs more than the limit ever admits; dropped")]
    private static partial void Rejected(ILogger logger, string tenant, string body);
}
