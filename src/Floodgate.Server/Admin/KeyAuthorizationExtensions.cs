using Floodgate.AspNetCore;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Admin;

/// <summary>Endpoint and start-up helpers for <see cref="KeyAuthorization"/>.</summary>
internal static partial class KeyAuthorizationExtensions
{
    /// <summary>Warns when <paramref name="authorization"/> has no key while proxies are trusted: requests through them are refused.</summary>
    public static void WarnIfKeylessBehindProxy(this KeyAuthorization authorization, ILogger logger, string realm, string keySetting, IReadOnlyCollection<string> trustedProxies)
    {
        if (!authorization.HasKeys && trustedProxies.Count > 0)
        {
            KeylessBehindProxy(logger, realm, keySetting, string.Join(", ", trustedProxies));
        }
    }

    /// <summary>
    /// The <see cref="KeyAuthorization"/> registered under <paramref name="serviceKey"/>; with <paramref name="keySetting"/>,
    /// warns once at start-up when it has no key while proxies are trusted.
    /// </summary>
    public static KeyAuthorization KeyAuthorization(this WebApplication app, string serviceKey, string? realm = null, string? keySetting = null)
    {
        var authorization = app.Services.GetRequiredKeyedService<KeyAuthorization>(serviceKey);
        if (realm is not null && keySetting is not null)
        {
            var trustedProxies = app.Services.GetRequiredService<IOptions<FloodgateOptions>>().Value.ForwardedHeaders.TrustedProxies;
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<KeyAuthorization>();
            authorization.WarnIfKeylessBehindProxy(logger, realm, keySetting, trustedProxies);
        }

        return authorization;
    }

    public static TBuilder RequireKey<TBuilder>(this TBuilder builder, KeyAuthorization authorization, string realm)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new KeyAuthorizationFilter(authorization, realm)).WithMetadata(new KeyRequirement(realm));

    [LoggerMessage(301, LogLevel.Warning, "The {Realm} has no key ({KeySetting}) while proxies are trusted (Floodgate:ForwardedHeaders:TrustedProxies: {Proxies}): " +
        "only loopback requests that carry no proxy header are let in, so nobody reaches it through a proxy. Set {KeySetting} to use it from elsewhere.")]
    private static partial void KeylessBehindProxy(ILogger logger, string realm, string keySetting, string proxies);
}
