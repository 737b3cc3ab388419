using Floodgate.AspNetCore.Policies;
using Floodgate.Server.Admin;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Floodgate.Server.OpenApi;

/// <summary>
/// Completes each operation: the key it needs (or <c>security: []</c> for a public route), and the 429 that any route
/// may answer when the configuration limits it.
/// </summary>
internal sealed class OperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("The OpenAPI operation has no document.");
        SecuritySchemes.AddTo(document);
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var requirement = metadata.OfType<KeyRequirement>().LastOrDefault();
        operation.Security = requirement is null ? [] : SecuritySchemes.For(requirement.Realm, document);

        operation.Responses ??= [];
        if (!metadata.OfType<DisableRateLimitAttribute>().Any())
        {
            operation.Responses.TryAdd("429", TooManyRequests(document));
        }

        // The generator leaves out informational statuses; a WebSocket route's success is its upgrade.
        if (metadata.OfType<IProducesResponseTypeMetadata>().Any(p => p.StatusCode == StatusCodes.Status101SwitchingProtocols))
        {
            operation.Responses.TryAdd("101", new OpenApiResponse { Description = "Switched to the WebSocket protocol: one JSON event per text message until either side closes." });
        }

        return Task.CompletedTask;
    }

    /// <summary>Floodgate's rejection: problem+json with <c>Retry-After</c>. Routes in <c>Floodgate:Exempt</c> never get it.</summary>
    public static OpenApiResponse TooManyRequests(OpenApiDocument document) => new()
    {
        Description = "Over a rate limit, or banned: problem+json, with Retry-After in seconds. Routes listed in Floodgate:Exempt are never limited.",
        Headers = new Dictionary<string, IOpenApiHeader>
        {
            ["Retry-After"] = new OpenApiHeader { Description = "Seconds until a retry can succeed.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
        },
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
        },
    };
}
