using System.Diagnostics.CodeAnalysis;
using Floodgate.AspNetCore.Identification;
using Floodgate.AspNetCore.Policies;
using Floodgate.AspNetCore.RateLimiting;
using Floodgate.AspNetCore.Status;
using Floodgate.AspNetCore.Steps;
using Floodgate.Diagnostics;
using Floodgate.Penalties;
using Floodgate.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Floodgate.AspNetCore;

/// <summary><c>services.AddFloodgate()</c>: binds section <c>Floodgate</c>, validates it at start-up, registers the in-memory store.</summary>
public static class FloodgateServiceCollectionExtensions
{
    /// <summary>
    /// Adds Floodgate: options from section <c>Floodgate</c> (then <paramref name="configure"/>), validated at start-up;
    /// the in-memory store and penalty box unless others are registered first; metrics on meter <c>Floodgate</c>.
    /// </summary>
    public static IFloodgateBuilder AddFloodgate(this IServiceCollection services, Action<FloodgateOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<FloodgateOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<FloodgateOptions>, FloodgateOptionsBinder>());
        services.TryAddSingleton<FloodgateOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FloodgateOptions>, FloodgateOptionsValidator>(sp => sp.GetRequiredService<FloodgateOptionsValidator>()));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<FloodgateMetrics>();
        services.TryAddSingleton<FloodgateRuntime>();
        services.TryAddSingleton<FloodgateSettingsProvider>();
        services.TryAddSingleton<RateLimitPolicyResolver>();
        services.TryAddSingleton<IdentityGuard>();
        services.TryAddSingleton(sp => new FloodgatePolicies(
            sp.GetRequiredService<FloodgateSettingsProvider>(),
            sp.GetRequiredService<IdentityGuard>(),
            sp.GetRequiredService<IRateLimitStore>(),
            sp.GetRequiredService<IPenaltyBox>()));
        // The store and the box read their options from section Floodgate (Memory, Penalty); AddFloodgateCore adds the rest.
        services.TryAddSingleton<InMemoryRateLimitStore>(sp =>
            new InMemoryRateLimitStore(sp.GetRequiredService<IOptions<FloodgateOptions>>().Value.Memory, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<InMemoryPenaltyBox>(sp =>
            new InMemoryPenaltyBox(sp.GetRequiredService<IOptions<FloodgateOptions>>().Value.Penalty, sp.GetRequiredService<TimeProvider>()));
        var builder = services.AddFloodgateCore();

        // The request path: its steps, the decider that sequences them, the one rejection writer.
        services.TryAddSingleton<BanStep>();
        services.TryAddSingleton<TierStep>();
        services.TryAddSingleton<BreakerStep>();
        services.TryAddSingleton<LayerStep>();
        services.TryAddSingleton<SlowDownStep>();
        services.TryAddSingleton<PenaltyStep>();
        services.TryAddSingleton<RequestDecider>();
        services.TryAddSingleton<DecisionRecorder>();
        services.TryAddSingleton<RejectionWriter>();
        services.TryAddSingleton(sp => new FloodgateRateLimiter(
            sp.GetRequiredService<FloodgateSettingsProvider>(),
            sp.GetRequiredService<RateLimitPolicyResolver>(),
            sp.GetRequiredService<RequestDecider>(),
            sp.GetRequiredService<DecisionRecorder>(),
            sp.GetRequiredService<RejectionWriter>(),
            sp.GetRequiredService<TimeProvider>()));
        return builder;
    }

    /// <summary>Plugs in a tier resolver (e.g. an API-key lookup).</summary>
    public static IFloodgateBuilder AddTierResolver<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TResolver>(this IFloodgateBuilder builder)
        where TResolver : class, IClientTierResolver
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IClientTierResolver, TResolver>();
        return builder;
    }

    /// <summary>
    /// Verifies API keys with <typeparamref name="TValidator"/>: a key it accepts identifies its client on its own (own
    /// limits, own bans); without a validator every key is a claim that answers for its address too.
    /// </summary>
    public static IFloodgateBuilder AddApiKeyValidator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(this IFloodgateBuilder builder)
        where TValidator : class, IApiKeyValidator
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IApiKeyValidator, TValidator>();
        return builder;
    }

    /// <summary>Verifies API keys with <paramref name="isValid"/> (see <see cref="AddApiKeyValidator{TValidator}(IFloodgateBuilder)"/>), e.g. a lookup in a set of issued keys.</summary>
    public static IFloodgateBuilder AddApiKeyValidator(this IFloodgateBuilder builder, Func<string, bool> isValid)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(isValid);
        builder.Services.AddSingleton<IApiKeyValidator>(new DelegateApiKeyValidator(isValid));
        return builder;
    }

    /// <summary>
    /// Also exposes Floodgate as ASP.NET Core's global limiter (<see cref="RateLimiterOptions.GlobalLimiter"/>), for
    /// applications that use <c>app.UseRateLimiter()</c> instead of <c>app.UseFloodgate()</c>.
    /// </summary>
    public static IFloodgateBuilder AddRateLimiterAdapter(this IFloodgateBuilder builder, int rejectionStatusCode = 429)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<FloodgateRateLimiter>((options, limiter) =>
        {
            options.GlobalLimiter = limiter;
            options.RejectionStatusCode = rejectionStatusCode;
            options.OnRejected = limiter.OnRejectedAsync;
        });
        return builder;
    }

    private sealed class DelegateApiKeyValidator(Func<string, bool> isValid) : IApiKeyValidator
    {
        public ValueTask<bool> IsValidAsync(string apiKey, Microsoft.AspNetCore.Http.HttpContext context, CancellationToken cancellationToken) =>
            new(isValid(apiKey));
    }
}
