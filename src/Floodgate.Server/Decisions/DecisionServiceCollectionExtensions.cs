using Floodgate.Server.Admin;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Decisions;

/// <summary>Registers who may call the decision API (section <c>Floodgate:DecisionApi</c>).</summary>
internal static class DecisionServiceCollectionExtensions
{
    /// <summary>The service key of the decision API's <see cref="KeyAuthorization"/>.</summary>
    public const string AuthorizationKey = "decision";

    public static IServiceCollection AddDecisionApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DecisionApiOptions>(configuration.GetSection("Floodgate:DecisionApi"));
        services.AddKeyedSingleton(AuthorizationKey, (sp, _) => new KeyAuthorization(sp.GetRequiredService<IOptions<DecisionApiOptions>>().Value.Keys));
        return services;
    }
}
