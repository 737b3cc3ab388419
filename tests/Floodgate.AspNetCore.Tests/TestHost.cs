using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Floodgate.AspNetCore;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.AspNetCore.Tests;

/// <summary>
/// A real Kestrel server on a free loopback port with Floodgate in its pipeline. Clients can connect from any
/// 127.0.0.x address, so tests see genuinely different peers.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private TestHost(WebApplication app, Uri address, FakeTimeProvider time)
    {
        _app = app;
        Address = address;
        Time = time;
    }

    public Uri Address { get; }

    public FakeTimeProvider Time { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestHost> StartAsync(
        Dictionary<string, string?>? configuration = null,
        Action<WebApplication>? map = null,
        Action<IServiceCollection>? services = null,
        Action<IFloodgateBuilder>? floodgate = null,
        bool useFloodgate = true)
    {
        var time = new FakeTimeProvider(RateLimitStoreContract.Start);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(configuration ?? []);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddAuthentication(TestAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, TestAuthentication>(TestAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        services?.Invoke(builder.Services);
        var floodgateBuilder = builder.Services.AddFloodgate();
        floodgate?.Invoke(floodgateBuilder);

        var app = builder.Build();
        app.UseAuthentication();
        if (useFloodgate)
        {
            app.UseFloodgate();
        }

        if (map is null)
        {
            MapDefaults(app);
        }
        else
        {
            map(app);
        }

        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestHost(app, new Uri(address), time);
    }

    /// <summary>A host that limits through ASP.NET Core's <c>UseRateLimiter</c> with Floodgate's adapter, instead of <c>UseFloodgate</c>.</summary>
    public static Task<TestHost> StartWithAdapterAsync(Dictionary<string, string?> configuration) =>
        StartAsync(
            configuration,
            map: app =>
            {
                app.UseRateLimiter();
                MapDefaults(app);
            },
            floodgate: f => f.AddRateLimiterAdapter(),
            useFloodgate: false);

    public static void MapDefaults(WebApplication app)
    {
        app.MapGet("/api/data", () => Results.Ok(new { data = 42 }));
        app.MapGet("/api/other", () => Results.Ok(new { other = true }));
        app.MapPost("/api/submit", () => Results.Ok(new { submitted = true }));
        app.MapGet("/health", () => Results.Ok("healthy"));
        app.MapGet("/internal/ping", () => Results.Ok("pong"));
    }

    /// <summary>An HTTP client whose connections come from <paramref name="localAddress"/> (any 127.0.0.x).</summary>
    public HttpClient Client(string localAddress = "127.0.0.1")
    {
        var client = LoopbackClient.Create(Address, IPAddress.Parse(localAddress));
        _clients.Add(client);
        return client;
    }

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>Authenticates a request carrying <c>X-Test-User</c> (and optionally <c>X-Test-Tier</c>); a stand-in for any real scheme.</summary>
internal sealed class TestAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Test";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers["X-Test-User"] is not [{ Length: > 0 } user])
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, user) };
        if (Request.Headers["X-Test-Tier"] is [{ Length: > 0 } tier])
        {
            claims.Add(new Claim("tier", tier));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}
