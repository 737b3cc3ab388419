using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Envoy;

/// <summary>
/// Serves <see cref="EnvoyRateLimitService"/> on its own port with a Kestrel server of its own (HTTP/2 without TLS,
/// as Envoy's <c>rate_limit_service</c> cluster speaks it). Its own server keeps the service's HTTP pipeline (rate
/// limiting, traffic stats) away from the gRPC calls and leaves the service's own URLs as they are configured. Start-up
/// loads the configuration first: a malformed file stops it, naming the file and the line.
/// </summary>
internal sealed class EnvoyRlsHost(
    RlsConfigSource config,
    EnvoyRateLimitService service,
    ILoggerFactory loggerFactory,
    IOptions<EnvoyRlsOptions> options) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        config.Start();
        var settings = options.Value;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            Action<ListenOptions> http2 = listen => listen.Protocols = HttpProtocols.Http2;
            switch (settings.Address)
            {
                case "localhost":
                    kestrel.ListenLocalhost(settings.Port, http2);
                    break;
                case "*":
                    kestrel.ListenAnyIP(settings.Port, http2);
                    break;
                default:
                    kestrel.Listen(IPAddress.Parse(settings.Address), settings.Port, http2);
                    break;
            }
        });
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.AddRouting();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        _app = builder.Build();
        _app.UseRouting();
        _app.MapGrpcService<EnvoyRateLimitService>();
        await _app.StartAsync(cancellationToken);
        var current = config.Current;
        Log.Listening(loggerFactory.CreateLogger<EnvoyRlsHost>(), settings.Address, settings.Port, current.Domains.Count, current.Sources.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
