using System.Net.WebSockets;
using System.Text;
using Floodgate.Server.Admin;
using Microsoft.AspNetCore.Http.Features;

namespace Floodgate.Server.Live;

/// <summary>The live streams: WebSocket <c>/ws/…</c>, Server-Sent Events <c>/events/…</c>, and the last five minutes of stats.</summary>
internal static class LiveEndpoints
{
    // A comment line on an idle SSE stream keeps proxies from closing it.
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly byte[] KeepAliveLine = ": keep-alive\n\n"u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    // After sending, a connection lets events gather about 100 ms before it sends again: under a flood each connection
    // wakes ten times a second instead of once per event. The pause varies (75-125 ms) so that connections drift apart.
    private static TimeSpan BatchInterval => TimeSpan.FromMilliseconds(75 + Random.Shared.Next(51));

    // An event that wakes idle connections wakes them all at once (a stats event each second; under a flood, the
    // second's event budgets are spent in its first milliseconds): each then waits 0-100 ms before it sends.
    private static TimeSpan WakeSpread => TimeSpan.FromMilliseconds(Random.Shared.Next(101));

    /// <summary>Whether a request is for a live WebSocket (<c>/ws/…</c>), the only paths WebSockets are accepted on.</summary>
    public static bool IsLivePath(HttpContext context) => context.Request.Path.StartsWithSegments("/ws", StringComparison.OrdinalIgnoreCase);

    /// <summary>Accepts WebSockets, their upgraded connections sending events in batches (<see cref="FrameBatchingStream"/>).</summary>
    public static void UseLiveWebSockets(this IApplicationBuilder branch)
    {
        branch.Use(static (context, next) =>
        {
            if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
            {
                var live = new LiveWebSocketUpgrade(upgrade);
                context.Features.Set<IHttpUpgradeFeature>(live);
                context.Features.Set(live);
            }

            return next(context);
        });
        branch.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
    }

    public static void MapLive(this WebApplication app)
    {
        var authorization = app.KeyAuthorization(AdminServiceCollectionExtensions.AuthorizationKey);
        var ws = app.MapGroup("/ws").RequireKey(authorization, KeyRequirement.Admin).WithTags("Live")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status101SwitchingProtocols))
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        ws.MapGet("/global", (HttpContext context, LiveHub hub, IHostApplicationLifetime lifetime, TimeProvider timeProvider) => WebSocketAsync(context, hub, lifetime, timeProvider, null))
            .WithName("streamEventsWebSocket").WithSummary("Every event, over a WebSocket (one JSON event per text message)");
        ws.MapGet("/{clientId}", (string clientId, HttpContext context, LiveHub hub, IHostApplicationLifetime lifetime, TimeProvider timeProvider) => WebSocketAsync(context, hub, lifetime, timeProvider, AdminEndpoints.ClientId(clientId)))
            .WithName("streamClientEventsWebSocket").WithSummary("One client's events, plus stats and config changes, over a WebSocket");

        var sse = app.MapGroup("/events").RequireKey(authorization, KeyRequirement.Admin).WithTags("Live")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/event-stream"]))
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        sse.MapGet("", (HttpContext context, LiveHub hub, IHostApplicationLifetime lifetime, TimeProvider timeProvider) => ServerSentEventsAsync(context, hub, lifetime, timeProvider, null))
            .WithName("streamEvents").WithSummary("Every event, as Server-Sent Events");
        sse.MapGet("/{clientId}", (string clientId, HttpContext context, LiveHub hub, IHostApplicationLifetime lifetime, TimeProvider timeProvider) => ServerSentEventsAsync(context, hub, lifetime, timeProvider, AdminEndpoints.ClientId(clientId)))
            .WithName("streamClientEvents").WithSummary("One client's events, plus stats and config changes, as Server-Sent Events");

        app.MapGet("/admin/live/history", (LiveHub hub) => Results.Bytes(hub.History(), "application/json"))
            .RequireKey(authorization, KeyRequirement.Admin).WithTags("Live").ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("getLiveHistory").WithSummary("The stats events of the last five minutes, oldest first")
            .Produces<System.Text.Json.JsonElement[]>();
    }

    private static async Task<IResult> WebSocketAsync(HttpContext context, LiveHub hub, IHostApplicationLifetime lifetime, TimeProvider timeProvider, string? client)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a WebSocket request",
                detail: "Open this address with a WebSocket (Upgrade: websocket), or use /events for Server-Sent Events.");
        }

        using var subscription = hub.Subscribe(client);
        if (subscription is null)
        {
            return TooMany();
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var batching = context.Features.Get<LiveWebSocketUpgrade>()?.Stream;
        // Ends when the listener goes or closes, or the service stops.
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var receiving = ReceiveUntilClosedAsync(socket, closed);
        try
        {
            // One event per message; the messages of a batch leave in one write.
            await PumpAsync(
                subscription,
                timeProvider,
                (message, ct) =>
                {
                    batching?.OpenBatch();
                    return socket.SendAsync(message.Json.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, ct);
                },
                ct => batching?.SendBatchAsync(ct) ?? ValueTask.CompletedTask,
                static _ => ValueTask.CompletedTask, // WebSocket pings (KeepAliveInterval) keep an idle connection open
                closed.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The listener went away.
        }

        batching?.AbandonBatch();
        await closed.CancelAsync();
        await receiving;
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
            }
        }

        return Results.Empty;
    }

    /// <summary>Reads (and ignores) what the listener sends, until it closes; then ends the stream.</summary>
    private static async Task ReceiveUntilClosedAsync(WebSocket socket, CancellationTokenSource closed)
    {
        var buffer = new byte[256];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, closed.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }

        await closed.CancelAsync();
    }

    private static async Task<IResult> ServerSentEventsAsync(HttpContext context, LiveHub hub, IHostApplicationLifetime lifetime, TimeProvider timeProvider, string? client)
    {
        using var subscription = hub.Subscribe(client);
        if (subscription is null)
        {
            return TooMany();
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var ct = ended.Token;
        long id = 0;
        try
        {
            await response.Body.FlushAsync(ct);
            await PumpAsync(
                subscription,
                timeProvider,
                async (message, token) =>
                {
                    await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"id: {++id}\nevent: {message.Type}\ndata: "), token);
                    await response.Body.WriteAsync(message.Json, token);
                    await response.Body.WriteAsync(EventEnd, token);
                },
                token => new ValueTask(response.Body.FlushAsync(token)),
                token => response.Body.WriteAsync(KeepAliveLine, token),
                ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The listener went away.
        }

        return Results.Empty;
    }

    /// <summary>
    /// Sends a subscription's events until <paramref name="cancellationToken"/> ends the stream: everything queued goes out
    /// together (<paramref name="send"/> each, then <paramref name="flush"/>), then the connection pauses for
    /// <see cref="BatchInterval"/>; after <see cref="KeepAlive"/> without an event, <paramref name="idle"/>.
    /// </summary>
    private static async Task PumpAsync(
        LiveSubscription subscription,
        TimeProvider timeProvider,
        Func<LiveMessage, CancellationToken, ValueTask> send,
        Func<CancellationToken, ValueTask> flush,
        Func<CancellationToken, ValueTask> idle,
        CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var message = subscription.TryNext();
            if (message is null)
            {
                if (!await subscription.WaitAsync(KeepAlive, cancellationToken))
                {
                    await idle(cancellationToken);
                    await flush(cancellationToken);
                    continue;
                }

                // Woken by an event, most likely together with every other connection: each starts at a moment of its
                // own within the next batch interval, so that their sends spread out instead of landing at once.
                await Task.Delay(WakeSpread, timeProvider, cancellationToken);
                message = subscription.TryNext();
            }

            for (; message is not null; message = subscription.TryNext())
            {
                await send(message, cancellationToken);
            }

            await flush(cancellationToken);
            await Task.Delay(BatchInterval, timeProvider, cancellationToken);
        }
    }

    private static IResult TooMany() => Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many listeners",
        detail: "This instance has as many live streams as Floodgate:Live:MaxConnections allows.");
}
