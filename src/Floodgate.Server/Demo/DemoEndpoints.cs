using System.Text.Json;

namespace Floodgate.Server.Demo;

/// <summary>Routes Floodgate protects, with limits from appsettings.json (section Floodgate:Rules).</summary>
internal static class DemoEndpoints
{
    private static readonly string[] Items = ["alpha", "beta", "gamma"];

    // The body of GET /api/data never changes: serialized once, as the JSON options of minimal APIs would, and written
    // as bytes, so that a request pays for the limiter and not for the serializer.
    private static readonly byte[] DataJson = JsonSerializer.SerializeToUtf8Bytes(new DataResponse("Here is your data.", Items), JsonSerializerOptions.Web);

    public static void MapDemo(this WebApplication app)
    {
        // Limited by the configured rules: over its limit (or banned) a caller gets 429 with problem+json.
        // Every demo route writes its body, and so do Floodgate's rejections: status-code pages have nothing to add.
        var demo = app.MapGroup("").WithTags("Demo").ProducesProblem(StatusCodes.Status429TooManyRequests).WithMetadata(new Microsoft.AspNetCore.Mvc.SkipStatusCodePagesAttribute());
        demo.MapGet("/api/data", static (HttpContext context, CancellationToken aborted) =>
            {
                var response = context.Response;
                response.ContentType = "application/json; charset=utf-8";
                response.ContentLength = DataJson.Length;
                return response.Body.WriteAsync(DataJson, aborted).AsTask();
            })
            .Produces<DataResponse>()
            .WithName("getData").WithSummary("Read data (100/minute per client)");
        demo.MapPost("/api/submit", async (HttpContext context) =>
        {
            var body = await Json.ReadAsync(context, DemoJsonContext.Default.DictionaryStringJsonElement);
            return body.Error ?? TypedResults.Ok(new SubmitResponse(body.Value!.Count, "Submitted."));
        }).WithName("submitData").WithSummary("Submit a JSON object")
            .Accepts<Dictionary<string, System.Text.Json.JsonElement>>("application/json")
            .Produces<SubmitResponse>().ProducesJsonBodyProblems();
        demo.MapPost("/api/resource", () => TypedResults.Ok(new DemoMessage("Resource created.")))
            .WithName("createResource").WithSummary("Create a resource (20/minute per API key, else per IP)");
        demo.MapPost("/auth/login", () => TypedResults.Ok(new DemoMessage("Welcome back.", "demo-token")))
            .WithName("login").WithSummary("Log in (3/minute per client; repeated violations ban the client)");
    }
}
