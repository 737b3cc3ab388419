using Floodgate.AspNetCore;
using Floodgate.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Floodgate.Server.Policies;

/// <summary>Registers the run-time policies: stored in Redis when the service uses Redis, else in a SQLite file.</summary>
internal static class PolicyServiceCollectionExtensions
{
    /// <summary>The SQLite file, relative to the working directory, when <c>Floodgate:Policies:Path</c> is not set.</summary>
    public const string DefaultPath = "floodgate.db";

    public static IServiceCollection AddPolicies(this IServiceCollection services, IConfiguration configuration)
    {
        if (RedisConfiguration.IsConfigured(configuration))
        {
            // Subscribes in the background: the service starts and serves while Redis is away, and catches up when it comes.
            services.AddSingleton(sp => new RedisPolicyStore(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.KeyPrefix,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RedisPolicyStore>>()));
            services.AddHostedService(sp => sp.GetRequiredService<RedisPolicyStore>());
            services.AddSingleton<IPolicyStore>(sp => sp.GetRequiredService<RedisPolicyStore>());
        }
        else
        {
            services.AddSingleton<IPolicyStore>(_ => OpenSqlitePolicyStore(configuration["Floodgate:Policies:Path"] is { Length: > 0 } path ? path : DefaultPath));
        }

        services.AddSingleton<PolicyRuleSource>();
        services.AddSingleton<IRateLimitRuleSource>(sp => sp.GetRequiredService<PolicyRuleSource>());
        return services;
    }

    private static SqlitePolicyStore OpenSqlitePolicyStore(string path)
    {
        try
        {
            return new SqlitePolicyStore(path);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            throw new OptionsValidationException(
                "Floodgate:Policies",
                typeof(SqlitePolicyStore),
                [$"Floodgate:Policies:Path must be a file the service can create and write (was '{path}'): {ex.Message}"]);
        }
    }
}
