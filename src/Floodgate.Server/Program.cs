using System.Reflection;
using Floodgate;
using Floodgate.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<InMemoryRateLimitStore>(sp => new InMemoryRateLimitStore(timeProvider: sp.GetRequiredService<TimeProvider>()));

var app = builder.Build();
var version = typeof(RateLimit).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
var dataLimit = RateLimit.Parse("100/minute");

app.MapGet("/", () => Results.Ok(new { service = "Floodgate", version, store = "memory", links = new { health = "/health", data = "/api/data" } }));
app.MapGet("/health", () => Results.Ok(new { status = "Healthy" }));
app.MapGet("/api/data", (HttpContext context, InMemoryRateLimitStore store) =>
{
    var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    var decision = store.Acquire(client, dataLimit);
    context.Response.Headers["X-RateLimit-Limit"] = decision.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
    context.Response.Headers["X-RateLimit-Remaining"] = decision.Remaining.ToString(System.Globalization.CultureInfo.InvariantCulture);
    return decision.IsAllowed
        ? Results.Ok(new { message = "Here is your data." })
        : Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests");
});

app.Run();
