using System.Globalization;
using System.Threading.RateLimiting;
using Floodgate.AspNetCore.Identification;
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
    private readonly IdentityGuard _identities;

    internal FloodgateRateLimiter(FloodgateSettingsProvider settings, RateLimitPolicyResolver policies, IRateLimitStore store, IdentityGuard identities)
    {
        _identities = identities;
        _settings = settings;
        _policies = policies;
        _store = store;
    }

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        var settings = _settings.Current;
        var endpoint = resource.GetEndpoint();
        if (_policies.Resolve(settings, resource, endpoint) is not { } policy)
        {
            return Unlimited;
        }

        var client = _identities.ConfirmAsync(settings.Identifier.Identify(resource), resource, settings.Options.Identification, resource.RequestAborted);
        if (_store is not InMemoryRateLimitStore memory || !client.IsCompletedSuccessfully)
        {
            return DecideAsynchronously; // the caller goes on to AcquireAsync, which awaits the validator and the store
        }

        var batch = Batch(policy, client.Result, resource, endpoint, permitCount);
        return new FloodgateLease(memory.AcquireAll(batch, new RateLimitDecision[batch.Length]));
    }

    /// <inheritdoc />
    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        var settings = _settings.Current;
        var endpoint = resource.GetEndpoint();
        if (_policies.Resolve(settings, resource, endpoint) is not { } policy)
        {
            return Unlimited;
        }

        var client = await _identities.ConfirmAsync(settings.Identifier.Identify(resource), resource, settings.Options.Identification, cancellationToken).ConfigureAwait(false);
        var batch = Batch(policy, client, resource, endpoint, permitCount);
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

    /// <summary>The client's limits, and on a sensitive rule the same limits for its address.</summary>
    private static RateLimitRequest[] Batch(RateLimitPolicy policy, ClientIdentity client, HttpContext context, Endpoint? endpoint, int permitCount)
    {
        var key = FloodgateMiddleware.ClientKey(policy, client, context, endpoint);
        var addressKey = FloodgateMiddleware.SensitiveAddressKey(policy, client, key);
        var limits = policy.Limits;
        var batch = new RateLimitRequest[addressKey is null ? limits.Length : limits.Length * 2];
        for (var i = 0; i < limits.Length; i++)
        {
            batch[i] = new RateLimitRequest(key, limits[i], permitCount * policy.Cost, RateLimitLayer.Client);
            if (addressKey is not null)
            {
                batch[limits.Length + i] = new RateLimitRequest(addressKey, limits[i], permitCount * policy.Cost, RateLimitLayer.Client);
            }
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
