using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Floodgate.Server.OpenApi;

/// <summary>
/// Completes the document: its title and version, a server URL without a trailing slash (a client joins paths to it),
/// the tags with their descriptions, and the routes that are not minimal-API handlers (<c>/metrics</c>, <c>/dashboard</c>).
/// </summary>
internal sealed class DocumentTransformer : IOpenApiDocumentTransformer
{
    private static readonly (string Name, string Description)[] Tags =
    [
        ("Service", "What runs here, its health, its metrics and its dashboard."),
        ("Status", "The caller's own standing on every policy; consumes nothing."),
        ("Demo", "Routes Floodgate protects with the limits of appsettings.json (Floodgate:Rules)."),
        ("Admin", "Run-time policies, traffic statistics and bans. Needs the admin key."),
        ("Live", "Every decision, ban and per-second statistic as it happens, over WebSocket or Server-Sent Events. Needs the admin key."),
        ("Decision API", "Rate-limit decisions for services in any language. Needs a decision key."),
    ];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Floodgate";
        document.Info.Version = typeof(RateLimit).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0.0";
        document.Info.Description = "A rate limiter for ASP.NET Core, as a service: demo routes it protects, the caller's status, " +
            "the admin API, the decision API, live streams, health, Prometheus metrics and the dashboard.";
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        SecuritySchemes.AddTo(document);
        document.Paths ??= [];
        document.Paths.TryAdd("/metrics", Get(document, "getMetrics", "Prometheus metrics",
            "Floodgate's meter (floodgate_decisions_total, floodgate_check_duration_seconds, ...), ASP.NET Core's, Kestrel's and the " +
            "runtime's, in the Prometheus text format.",
            "Metrics in the Prometheus text exposition format.", "text/plain; version=0.0.4; charset=utf-8", limited: true));
        document.Paths.TryAdd("/dashboard", Get(document, "getDashboard", "The operator's dashboard",
            "An HTML page (with its scripts and styles under /dashboard/) built on the admin API and the live streams, which ask " +
            "for the admin key. The page itself holds no data and is never limited.",
            "The dashboard's HTML page.", "text/html; charset=utf-8", limited: false));
        return Task.CompletedTask;
    }

    private static OpenApiPathItem Get(OpenApiDocument document, string operationId, string summary, string description, string responseDescription, string contentType, bool limited) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Get] = new()
            {
                OperationId = operationId,
                Summary = summary,
                Description = description,
                Tags = new HashSet<OpenApiTagReference> { new("Service", document) },
                Security = [],
                Responses = Responses(document, responseDescription, contentType, limited),
            },
        },
    };

    private static OpenApiResponses Responses(OpenApiDocument document, string description, string contentType, bool limited)
    {
        var responses = new OpenApiResponses
        {
            ["200"] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType> { [contentType] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
            },
        };
        if (limited)
        {
            responses["429"] = OperationTransformer.TooManyRequests(document);
        }

        return responses;
    }
}
