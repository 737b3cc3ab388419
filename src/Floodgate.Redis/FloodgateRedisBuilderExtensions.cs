using System.Diagnostics.Metrics;
using Floodgate.Configuration;
using Floodgate.Diagnostics;
using Floodgate.Identities;
using Floodgate.Penalties;
using Floodgate.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Floodgate.Redis;

/// <summary><c>services.AddFloodgate().AddRedis()</c> in a web application, <c>services.AddFloodgateCore().AddRedis()</c> in any other host.</summary>
public static class FloodgateRedisBuilderExtensions
{
    /// <summary>
    /// Keeps rate-limit state in Redis, configured from section <c>Floodgate:Redis</c> (then <paramref name="configure"/>).
    /// Uses an <see cref="IConnectionMultiplexer"/> registered before, or connects to <c>Floodgate:Redis:Configuration</c>
    /// without waiting: Redis down at start-up does not stop the application, the failure mode answers until it is up.
    /// Bans go to Redis too (<see cref="RedisPenaltyBox"/> replaces <see cref="IPenaltyBox"/>), so that they hold on every
    /// instance, and so does the identity ceiling's count (an <see cref="IIdentityLedger"/>), so that an address gets its
    /// ceiling of unverified identities once across all instances. Adds the <c>redis</c> health check.
    /// </summary>
    public static IFloodgateBuilder AddRedis(this IFloodgateBuilder builder, Action<RedisStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RedisStoreOptions>()
            .Configure<IConfiguration>(static (_, configuration) => ConfigurationCheck.Check<RedisStoreOptions>(configuration.GetSection(RedisStoreOptions.SectionName)))
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

        services.TryAddSingleton<IConnectionMultiplexer>(sp => Connect(sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value, sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(sp => RedisStoreMetrics.Observe(
            new RedisRateLimitStore(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RedisRateLimitStore>>())
            {
                Metrics = sp.GetService<FloodgateMetrics>(),
            },
            sp.GetService<IMeterFactory>()));
        services.Replace(ServiceDescriptor.Singleton<IRateLimitStore>(sp => sp.GetRequiredService<RedisRateLimitStore>()));

        // Bans hold on every instance; the in-memory box (still registered as itself) bans while Redis is away.
        services.TryAddSingleton(sp =>
        {
            var memory = sp.GetRequiredService<InMemoryPenaltyBox>();
            return new RedisPenaltyBox(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value,
                memory.Options,
                memory,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RedisPenaltyBox>>())
            {
                Metrics = sp.GetService<FloodgateMetrics>(),
            };
        });
        services.Replace(ServiceDescriptor.Singleton<IPenaltyBox>(sp => sp.GetRequiredService<RedisPenaltyBox>()));

        // One identity ceiling per address for all instances, not one per instance.
        services.TryAddSingleton(sp => new RedisIdentityLedger(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisIdentityLedger>>())
        {
            Metrics = sp.GetService<FloodgateMetrics>(),
        });
        services.Replace(ServiceDescriptor.Singleton<IIdentityLedger>(sp => sp.GetRequiredService<RedisIdentityLedger>()));
        services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            "redis",
            sp => new RedisHealthCheck(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<RedisRateLimitStore>(),
                sp.GetRequiredService<RedisPenaltyBox>())
            {
                Identities = sp.GetRequiredService<RedisIdentityLedger>(),
            },
            failureStatus: null,
            tags: ["floodgate", "redis"]));
        return builder;
    }

    /// <summary>
    /// Connects without waiting for Redis to be up (AbortOnConnectFail off), with timeouts that suit a rate limiter.
    /// A configuration with <c>serviceName=</c> goes through Sentinel and follows its failovers; one naming cluster
    /// nodes discovers the others. Settings the configuration string names itself are kept.
    /// </summary>
    /// <remarks>
    /// Commands fail fast while no server can take them (no backlog): the store's failure mode answers at once, and no
    /// script queued during an outage consumes after its decision was already made. A topology change waits at most
    /// <c>connectTimeout</c> (1 s unless set) for a server that is gone, such as a failed Sentinel primary, and the role
    /// of each server is re-read every second (<c>configCheckSeconds</c>, one <c>INFO replication</c>), so that a
    /// promoted replica takes writes soon after the failover even when no announcement reaches this client.
    /// </remarks>
    public static IConnectionMultiplexer Connect(RedisStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var text = options.Configuration ?? throw new InvalidOperationException("Floodgate:Redis:Configuration is required.");
        var configuration = ConfigurationOptions.Parse(text);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectRetry = Math.Max(configuration.ConnectRetry, 3);
        if (!Names(text, "connectTimeout"))
        {
            configuration.ConnectTimeout = 1000;
        }

        if (!Names(text, "configCheckSeconds"))
        {
            configuration.ConfigCheckSeconds = 1;
        }

        configuration.AsyncTimeout = Math.Max((int)options.Timeout.TotalMilliseconds * 20, 1000);
        configuration.SyncTimeout = configuration.AsyncTimeout;
        configuration.ReconnectRetryPolicy ??= new LinearRetry(250);
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.LoggerFactory ??= loggerFactory;
        return ConnectionMultiplexer.Connect(configuration);
    }

    private static bool Names(string configuration, string setting)
    {
        foreach (var part in configuration.Split(','))
        {
            if (part.TrimStart().StartsWith(setting + "=", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
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
