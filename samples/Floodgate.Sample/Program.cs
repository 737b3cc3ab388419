using Floodgate.AspNetCore;
using Floodgate.AspNetCore.Policies;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddFloodgate();            // 1: limits from the "Floodgate" section of appsettings.json

var app = builder.Build();
app.UseFloodgate();                         // 2: every endpoint below is protected

app.MapGet("/", () => "Hello, protected world.");
app.MapGet("/api/items", () => new[] { "apple", "pear" });
app.MapPost("/login", () => Results.Ok()).RateLimit("3/minute SlidingWindowLog", name: "login");
app.MapGet("/health", () => "ok");          // exempt by default

app.Run();
