namespace Floodgate.Server.Demo;

/// <summary>Routes Floodgate protects, with limits from appsettings.json (section Floodgate:Rules).</summary>
internal static class DemoEndpoints
{
    private static readonly string[] Items = ["alpha", "beta", "gamma"];

    public static void MapDemo(this WebApplication app)
    {
        var demo = app.MapGroup("").WithTags("Demo");
        demo.MapGet("/api/data", () => Results.Ok(new { message = "Here is your data.", items = Items }))
            .WithSummary("Read data (100/minute per client)");
        demo.MapPost("/api/submit", async (HttpContext context) =>
        {
            var body = await Json.ReadAsync(context, DemoJsonContext.Default.DictionaryStringJsonElement);
            return body.Error ?? Results.Ok(new { received = body.Value!.Count, message = "Submitted." });
        }).WithSummary("Submit a JSON object");
        demo.MapPost("/api/resource", () => Results.Ok(new { message = "Resource created." }))
            .WithSummary("Create a resource (20/minute per API key, else per IP)");
        demo.MapPost("/auth/login", () => Results.Ok(new { message = "Welcome back.", token = "demo-token" }))
            .WithSummary("Log in (3/minute per client; repeated violations ban the client)");
    }
}
