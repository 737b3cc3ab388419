using System.Globalization;
using System.Threading.RateLimiting;
using Floodgate.AspNetCore.Policies;
using Floodgate.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Floodgate.AspNetCore.RateLimiting;

/// <summary>
/// Floodgate as a <see cref="PartitionedRateLimiter{HttpContext}"/>, so it plugs into ASP.NET Core's own
/// <c>AddRateLimiter</c> / <c>UseRateLimiter</c>. Same policies, identification and store as the middleware
/// (bans, breaker and slow-down are the middleware's). A denial's lease carries <see cref="MetadataName.RetryAfter"/>.
/// </summary>
public sealed class FloodgateRateLimiter : PartitionedRateLimiter<HttpContext>
{
    private static readonly RateLimitLease Unlimited = new FloodgateLease(null);
    private static readonly RateLimitLease DecideAsynchronously = new FloodgateLease(new RateLimitDecision(false, 0, 0, TimeSpan.Zero, TimeSpan.Zero, RateLimitDenialReason.LimitExceeded, null));
    private readonly FloodgateSettingsProvider _settings;
    private readonly RateLimitPolicyResolver _policies;
    private readonly IRateLimitStore _store;

    internal FloodgateRateLimiter(FloodgateSettingsProvider settings, RateLimitPolicyResolver policies, IRateLimitStore store)
    {
        _settings = settings;
        _policies = policies;
        _store = store;
    }

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (!Prepare(resource, permitCount, out var policy, out var key))
        {
            return Unlimited;
        }

        if (_store is not InMemoryRateLimitStore memory)
        {
            return DecideAsynchronously; // the caller goes on to AcquireAsync, which asks the remote store
        }

        var batch = Batch(policy, key, permitCount);
        var decisions = new RateLimitDecision[batch.Length];
        return new FloodgateLease(memory.AcquireAll(batch, decisions));
    }

    /// <inheritdoc />
    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        if (!Prepare(resource, permitCount, out var policy, out var key))
        {
            return Unlimited;
        }

        var batch = Batch(policy, key, permitCount);
        var decision = await _store.AcquireAllAsync(batch, new RateLimitDecision[batch.Length], cancellationToken).ConfigureAwait(false);
        return new FloodgateLease(decision);
    }

    /// <summary>Writes <c>Retry-After</c> for a rejected lease; used as <see cref="RateLimiterOptions.OnRejected"/>.</summary>
    internal static ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            context.HttpContext.Response.Headers.RetryAfter = Math.Max(Headers.RateLimitHeaders.Seconds(retryAfter), 1).ToString(CultureInfo.InvariantCulture);
        }

        return ValueTask.CompletedTask;
    }

    private bool Prepare(HttpContext context, int permitCount, out RateLimitPolicy policy, out string key)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        var settings = _settings.Current;
        var endpoint = context.GetEndpoint();
        policy = _policies.Resolve(settings, context, endpoint)!;
        if (policy is null)
        {
            key = string.Empty;
            return false;
        }

        var client = settings.Identifier.Identify(context);
        key = FloodgateMiddleware.ClientKey(policy, client, context, endpoint);
        return true;
    }

    private static RateLimitRequest[] Batch(RateLimitPolicy policy, string key, int permitCount)
    {
        var batch = new RateLimitRequest[policy.Limits.Length];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new RateLimitRequest(key, policy.Limits[i], permitCount * policy.Cost, RateLimitLayer.Client);
        }

        return batch;
    }

    private sealed class FloodgateLease(RateLimitDecision? decision) : RateLimitLease
    {
        private static readonly string[] DenialMetadata = [MetadataName.RetryAfter.Name, MetadataName.ReasonPhrase.Name];

        public override bool IsAcquired => decision is not { IsAllowed: false };

        public override IEnumerable<string> MetadataNames => IsAcquired ? [] : DenialMetadata;

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (decision is { IsAllowed: false } denied)
            {
                if (metadataName == MetadataName.RetryAfter.Name && denied.RetryAfter > TimeSpan.Zero && denied.RetryAfter != Timeout.InfiniteTimeSpan)
                {
                    metadata = denied.RetryAfter;
                    return true;
                }

                if (metadataName == MetadataName.ReasonPhrase.Name)
                {
                    metadata = denied.Reason.ToString();
                    return true;
                }
            }

            metadata = null;
            return false;
        }
    }
}
