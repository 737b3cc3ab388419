using Scalar.AspNetCore;

namespace Floodgate.Server.OpenApi;

/// <summary><c>GET /openapi/v1.json</c> and its reference page at <c>/docs</c>.</summary>
internal static class OpenApiEndpoints
{
    public static void MapOpenApiDocument(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference("/docs");
    }
}
