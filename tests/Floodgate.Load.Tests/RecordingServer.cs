using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Floodgate.Load.Tests;

/// <summary>
/// A real Kestrel server on a free loopback port that answers every path: every third request (by arrival) 429, the
/// others 200. It records what each request looked like.
/// </summary>
internal sealed class RecordingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _count;

    private RecordingServer(WebApplication app)
    {
        _app = app;
    }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>e.g. <c>http://127.0.0.1:41234</c>, no trailing slash.</summary>
    public string BaseUrl { get; private set; } = "";

    public static async Task<RecordingServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new RecordingServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = address.TrimEnd('/');
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var number = Interlocked.Increment(ref _count);
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers;
        Requests.Enqueue(new ReceivedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            headers["X-Forwarded-For"].ToString(),
            headers["X-API-Key"].ToString(),
            headers.ContentType.ToString(),
            body));
        context.Response.StatusCode = number % 3 == 0 ? StatusCodes.Status429TooManyRequests : StatusCodes.Status200OK;
        await context.Response.WriteAsync("ok", context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request as the server saw it.</summary>
internal sealed record ReceivedRequest(string Method, string Path, string ForwardedFor, string ApiKey, string ContentType, string Body);
