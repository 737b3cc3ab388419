namespace Floodgate.Server.OpenApi;

/// <summary>Registers the OpenAPI description of the service (<c>/openapi/v1.json</c>).</summary>
internal static class OpenApiServiceCollectionExtensions
{
    public static IServiceCollection AddOpenApiDocument(this IServiceCollection services)
    {
        services.AddOpenApi(options =>
        {
            options.AddOperationTransformer<OperationTransformer>();
            options.AddDocumentTransformer<DocumentTransformer>();
        });
        return services;
    }
}
