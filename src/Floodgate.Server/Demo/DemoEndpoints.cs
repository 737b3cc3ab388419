namespace Floodgate.Server.Demo;

/// <summary>Routes Floodgate protects, with limits from appsettings.json (section Floodgate:Rules).</summary>
internal static class DemoEndpoints
{
    private static readonly string[] Items = ["alpha", "beta", "gamma"];

    public static void MapDemo(this WebApplication app)
    {
        // Limited by the configured rules: over its limit (or banned) a caller gets 429 with problem+json.
        var demo = app.MapGroup("").WithTags("Demo").ProducesProblem(StatusCodes.Status429TooManyRequests);
        demo.MapGet("/api/data", () => TypedResults.Ok(new DataResponse("Here is your data.", Items)))
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
