using Microsoft.Extensions.Options;

namespace Floodgate.Server.Admin;

/// <summary>Registers who may use the admin API and the live streams (section <c>Floodgate:Admin</c>).</summary>
internal static class AdminServiceCollectionExtensions
{
    /// <summary>The service key of the admin API's <see cref="KeyAuthorization"/>.</summary>
    public const string AuthorizationKey = "admin";

    public static IServiceCollection AddAdminApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AdminOptions>(configuration.GetSection("Floodgate:Admin"));
        services.AddKeyedSingleton(AuthorizationKey, (sp, _) => new KeyAuthorization([sp.GetRequiredService<IOptions<AdminOptions>>().Value.ApiKey]));
        return services;
    }
}
