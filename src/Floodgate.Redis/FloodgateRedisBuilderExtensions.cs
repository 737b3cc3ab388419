using Floodgate.AspNetCore;
using Floodgate.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary><c>services.AddFloodgate().AddRedis()</c>.</summary>
public static class FloodgateRedisBuilderExtensions
{
    /// <summary>
    /// Keeps rate-limit state in Redis, configured from section <c>Floodgate:Redis</c> (then <paramref name="configure"/>).
    /// Uses an <see cref="IConnectionMultiplexer"/> registered before, or connects to <c>Floodgate:Redis:Configuration</c>
    /// without waiting: Redis down at start-up does not stop the application, the failure mode answers until it is up.
    /// Adds the <c>redis</c> health check.
    /// </summary>
    public static IFloodgateBuilder AddRedis(this IFloodgateBuilder builder, Action<RedisStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RedisStoreOptions>()
            .BindConfiguration(RedisStoreOptions.SectionName)
            .Validate(Validate, "Floodgate:Redis is invalid.")
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddOptions<RedisStoreOptions>().Validate(
            o => !string.IsNullOrWhiteSpace(o.Configuration) || services.Any(d => d.ServiceType == typeof(IConnectionMultiplexer)),
            "Floodgate:Redis:Configuration is required (a StackExchange.Redis configuration string such as localhost:6379).");

        services.TryAddSingleton<IConnectionMultiplexer>(sp => Connect(sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value));
        services.TryAddSingleton(sp => new RedisRateLimitStore(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisRateLimitStore>>()));
        services.Replace(ServiceDescriptor.Singleton<IRateLimitStore>(sp => sp.GetRequiredService<RedisRateLimitStore>()));
        services.TryAddSingleton(sp => new RedisPenaltyBox(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<RedisRateLimitStore>(),
            sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value,
            sp.GetRequiredService<IOptions<FloodgateOptions>>().Value.Penalty,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisPenaltyBox>>()));
        services.Replace(ServiceDescriptor.Singleton<Floodgate.Penalties.IPenaltyBox>(sp => sp.GetRequiredService<RedisPenaltyBox>()));
        services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            "redis",
            sp => new RedisHealthCheck(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value, sp.GetRequiredService<TimeProvider>()),
            failureStatus: null,
            tags: ["floodgate", "redis"]));
        return builder;
    }

    /// <summary>Connects without waiting for Redis to be up (AbortOnConnectFail off), with timeouts that suit a rate limiter.</summary>
    public static IConnectionMultiplexer Connect(RedisStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = ConfigurationOptions.Parse(options.Configuration ?? throw new InvalidOperationException("Floodgate:Redis:Configuration is required."));
        configuration.AbortOnConnectFail = false;
        configuration.ConnectRetry = Math.Max(configuration.ConnectRetry, 3);
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.AsyncTimeout = Math.Max((int)options.Timeout.TotalMilliseconds * 20, 1000);
        configuration.SyncTimeout = configuration.AsyncTimeout;
        configuration.ReconnectRetryPolicy ??= new LinearRetry(250);
        return ConnectionMultiplexer.Connect(configuration);
    }

    private static bool Validate(RedisStoreOptions options)
    {
        try
        {
            options.Validate();
            return true;
        }
        catch (ArgumentException ex)
        {
            throw new OptionsValidationException(RedisStoreOptions.SectionName, typeof(RedisStoreOptions), [$"Floodgate:Redis:{ex.ParamName} is invalid: {ex.Message}"]);
        }
    }
}
