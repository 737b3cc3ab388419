using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Floodgate.Server.Admin;

/// <summary>The admin key in the OpenAPI document: the <c>adminKey</c> scheme (header <c>X-Admin-Key</c>) and the routes that require it.</summary>
internal static class AdminKeyOpenApi
{
    public const string SchemeName = "adminKey";

    /// <summary>Declares the <c>adminKey</c> scheme in the document's components.</summary>
    public static OpenApiOptions AddAdminKeyScheme(this OpenApiOptions options) => options.AddDocumentTransformer((document, _, _) =>
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes.TryAdd(SchemeName, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Admin-Key",
            Description = "Floodgate:Admin:ApiKey; browsers may send it as ?key= instead.",
        });
        return Task.CompletedTask;
    });

    /// <summary>Marks the route as requiring the admin key in the OpenAPI document.</summary>
    public static TBuilder WithOpenApiAdminKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] });
            return Task.CompletedTask;
        });
}
