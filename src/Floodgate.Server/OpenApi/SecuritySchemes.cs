using Floodgate.Server.Admin;
using Microsoft.OpenApi;

namespace Floodgate.Server.OpenApi;

/// <summary>
/// How a caller presents a key (<see cref="KeyAuthorization"/>): the <c>X-Admin-Key</c> header, <c>Authorization: Bearer</c>,
/// or the <c>key</c> query parameter (for browsers' WebSocket and EventSource, which cannot set headers). Admin and
/// decision keys travel the same ways; they are declared apart so that a client knows which key a route wants.
/// </summary>
internal static class SecuritySchemes
{
    public const string AdminKey = "adminKey";
    public const string DecisionKey = "decisionKey";
    public const string Bearer = "bearer";
    public const string QueryKey = "queryKey";

    /// <summary>Declares the schemes in <paramref name="document"/>'s components, once.</summary>
    public static void AddTo(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        var schemes = document.Components.SecuritySchemes;
        schemes.TryAdd(AdminKey, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Admin-Key",
            Description = "The admin key (Floodgate:Admin:ApiKey). Without one configured, only loopback callers that come through no proxy are let in.",
        });
        schemes.TryAdd(DecisionKey, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Admin-Key",
            Description = "One of the decision API's keys (Floodgate:DecisionApi:Keys), in the same header as the admin key. Without any configured, only loopback callers that come through no proxy are let in.",
        });
        schemes.TryAdd(Bearer, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The route's key (admin or decision) as Authorization: Bearer <key>.",
        });
        schemes.TryAdd(QueryKey, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "key",
            Description = "The route's key (admin or decision) as the key query parameter, for browsers' WebSocket and EventSource.",
        });
    }

    /// <summary>The alternative ways to present the key of <paramref name="realm"/>.</summary>
    public static List<OpenApiSecurityRequirement> For(string realm, OpenApiDocument document) =>
    [
        Requirement(realm == KeyRequirement.DecisionApi ? DecisionKey : AdminKey, document),
        Requirement(Bearer, document),
        Requirement(QueryKey, document),
    ];

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument document) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };
}
