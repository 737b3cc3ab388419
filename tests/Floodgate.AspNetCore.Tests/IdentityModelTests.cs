using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Floodgate.AspNetCore.Identification;
using Floodgate.AspNetCore.Policies;
using Floodgate.Penalties;

namespace Floodgate.AspNetCore.Tests;

/// <summary>
/// What a client merely claims (an unverified API key, X-Client-ID, a fingerprint) may tell clients behind one address
/// apart, but never widens the address's allowance: guessing rules and bans hold for the address, and an address with
/// too many identities is limited as one client. Verified keys stand on their own.
/// </summary>
public sealed class IdentityModelTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Config(int ceiling = 10) => new()
    {
        ["Floodgate:DefaultLimit"] = "1/minute",
        ["Floodgate:Penalty:Enabled"] = "false",
        ["Floodgate:Identification:MaxIdentitiesPerAddress"] = ceiling.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Floodgate:Rules:0:Name"] = "login",
        ["Floodgate:Rules:0:Path"] = "/auth/login",
        ["Floodgate:Rules:0:Limit"] = "3/minute",
        ["Floodgate:Rules:0:Algorithm"] = "SlidingWindowLog",
    };

    private static void Map(WebApplication app)
    {
        TestHost.MapDefaults(app);
        app.MapPost("/auth/login", () => Results.Ok(new { token = "t" }));
    }

    private static async Task<HttpStatusCode> Send(HttpClient client, HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request, Token);
        return response.StatusCode;
    }

    private static string RandomKey() => "guess-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Login_WithANewUnverifiedKeyEachTime_AdmitsOnlyTheAddressLimit()
    {
        await using var host = await TestHost.StartAsync(Config(), Map);
        var attacker = host.Client("127.0.0.2");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            statuses.Add(await Send(attacker, HttpMethod.Post, "/auth/login", ("X-API-Key", RandomKey())));
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.OK, await Send(host.Client("127.0.0.3"), HttpMethod.Post, "/auth/login", ("X-API-Key", RandomKey())));
    }

    [Fact]
    public async Task Login_WithRotatingClientIds_AdmitsOnlyTheAddressLimit()
    {
        var config = Config();
        config["Floodgate:Identification:Sources:0"] = "ClientId";
        config["Floodgate:Identification:Sources:1"] = "Ip";
        await using var host = await TestHost.StartAsync(config, Map);
        var attacker = host.Client("127.0.0.2");

        var admitted = 0;
        for (var i = 0; i < 10; i++)
        {
            admitted += await Send(attacker, HttpMethod.Post, "/auth/login", ("X-Client-ID", "cid-" + i)) == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.Equal(3, admitted);
    }

    [Fact]
    public async Task Login_WithAVerifiedKey_StandsOnItsOwn()
    {
        await using var host = await TestHost.StartAsync(Config(), Map, floodgate: f => f.AddApiKeyValidator(key => key.StartsWith("issued-", StringComparison.Ordinal)));
        var office = host.Client("127.0.0.2");
        for (var i = 0; i < 5; i++)
        {
            await Send(office, HttpMethod.Post, "/auth/login", ("X-API-Key", RandomKey())); // uses up the address's 3
        }

        var verified = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            verified.Add(await Send(office, HttpMethod.Post, "/auth/login", ("X-API-Key", "issued-alice")));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], verified);
    }

    [Fact]
    public async Task SensitiveRule_FollowsItsSetting_AndCredentialPathsByDefault()
    {
        var config = Config();
        config["Floodgate:Rules:0:Sensitive"] = "false";
        await using var host = await TestHost.StartAsync(config, Map);
        var client = host.Client("127.0.0.2");

        var admitted = 0;
        for (var i = 0; i < 5; i++)
        {
            admitted += await Send(client, HttpMethod.Post, "/auth/login", ("X-API-Key", RandomKey())) == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.Equal(5, admitted); // turned off: each key (within the ceiling) has its own 3
    }

    [Theory]
    [InlineData("/auth/login", true)]
    [InlineData("/oauth/token", true)]
    [InlineData("/account/reset-password", true)]
    [InlineData("/sign-in", true)]
    [InlineData("/users/{id}/mfa", true)]
    [InlineData("/api/hotpots", false)]
    [InlineData("/api/data", false)]
    [InlineData("/**", false)]
    public void CredentialPaths_AreSensitiveByDefault(string path, bool sensitive)
    {
        Assert.Equal(sensitive, PolicyCompiler.NamesCredential(path));
    }

    [Fact]
    public async Task UnverifiedKeys_BeyondTheCeiling_AreLimitedAsTheirAddress_UntilTheWindowEnds()
    {
        await using var host = await TestHost.StartAsync(Config(ceiling: 3), Map);
        var attacker = host.Client("127.0.0.2");
        var keys = Enumerable.Range(0, 6).Select(_ => RandomKey()).ToList();

        var statuses = new List<HttpStatusCode>();
        foreach (var key in keys)
        {
            statuses.Add(await Send(attacker, HttpMethod.Get, "/api/data", ("X-API-Key", key)));
        }

        var firstKeyAgain = await Send(attacker, HttpMethod.Get, "/api/data", ("X-API-Key", keys[0]));
        var neighbour = await Send(host.Client("127.0.0.3"), HttpMethod.Get, "/api/data", ("X-API-Key", RandomKey()));

        // Three keys stand for themselves (1/minute each); the fourth makes the address one client with one allowance.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, firstKeyAgain);
        Assert.Equal(HttpStatusCode.OK, neighbour);

        host.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.OK, await Send(attacker, HttpMethod.Get, "/api/data", ("X-API-Key", RandomKey())));
        Assert.Equal(HttpStatusCode.OK, await Send(attacker, HttpMethod.Get, "/api/data", ("X-API-Key", RandomKey())));
    }

    [Fact]
    public async Task ApiKeyScopedRule_IsNotWidenedByRotatingKeys()
    {
        var config = Config(ceiling: 2);
        config["Floodgate:Rules:1:Name"] = "resource";
        config["Floodgate:Rules:1:Path"] = "/api/other";
        config["Floodgate:Rules:1:Limit"] = "2/minute";
        config["Floodgate:Rules:1:Scope"] = "ApiKey";
        await using var host = await TestHost.StartAsync(config, Map);
        var attacker = host.Client("127.0.0.2");

        var admitted = 0;
        for (var i = 0; i < 20; i++)
        {
            admitted += await Send(attacker, HttpMethod.Get, "/api/other", ("X-API-Key", RandomKey())) == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.Equal(2 + 2, admitted); // one request of each of the two keys within the ceiling, then the address's 2
    }

    [Fact]
    public async Task VerifiedKeys_AreNotCountedAgainstTheCeiling()
    {
        await using var host = await TestHost.StartAsync(Config(ceiling: 1), Map, floodgate: f => f.AddApiKeyValidator(key => key.StartsWith("issued-", StringComparison.Ordinal)));
        var office = host.Client("127.0.0.2");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await Send(office, HttpMethod.Get, "/api/data", ("X-API-Key", "issued-" + i)));
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.OK, await Send(office, HttpMethod.Get, "/api/data", ("X-API-Key", "forged-1"))); // within the ceiling
        Assert.Equal(HttpStatusCode.OK, await Send(office, HttpMethod.Get, "/api/data", ("X-API-Key", "forged-2"))); // the address's one allowance
        Assert.Equal(HttpStatusCode.TooManyRequests, await Send(office, HttpMethod.Get, "/api/data", ("X-API-Key", "forged-3")));
    }

    [Fact]
    public async Task Ban_HoldsForTheAddress_WhenTheClientSendsANewKey()
    {
        var config = Config();
        config["Floodgate:Penalty:Enabled"] = "true";
        config["Floodgate:Penalty:Violations"] = "2";
        await using var host = await TestHost.StartAsync(config, Map, floodgate: f => f.AddApiKeyValidator(key => key.StartsWith("issued-", StringComparison.Ordinal)));
        var attacker = host.Client("127.0.0.2");
        var key = RandomKey();
        for (var i = 0; i < 3; i++)
        {
            await Send(attacker, HttpMethod.Get, "/api/data", ("X-API-Key", key)); // one admitted, two violations
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/other") { Headers = { { "X-API-Key", RandomKey() } } };
        using var withNewKey = await attacker.SendAsync(request, Token);
        var body = await withNewKey.Content.ReadFromJsonAsync<JsonElement>(Token);
        var login = await Send(attacker, HttpMethod.Post, "/auth/login", ("X-API-Key", RandomKey()));
        var withoutKey = await Send(attacker, HttpMethod.Get, "/api/other");
        var verified = await Send(attacker, HttpMethod.Get, "/api/other", ("X-API-Key", "issued-bob"));

        Assert.Equal(HttpStatusCode.TooManyRequests, withNewKey.StatusCode);
        Assert.Equal("banned", body.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, login);
        Assert.Equal(HttpStatusCode.TooManyRequests, withoutKey);
        Assert.Equal(HttpStatusCode.OK, verified); // a verified key answers for itself
        Assert.Equal("ip:127.0.0.2", Assert.Single(await host.Get<IPenaltyBox>().ListBansAsync(Token)).ClientId);
    }

    [Fact]
    public async Task AnOperatorsBanOfAKey_StillHoldsForThatKey()
    {
        await using var host = await TestHost.StartAsync(Config(), Map);
        var key = RandomKey();
        await host.Get<IPenaltyBox>().BanAsync(ClientIdentifier.Hash("key:", key), TimeSpan.FromMinutes(5), "operator", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, await Send(host.Client("127.0.0.2"), HttpMethod.Get, "/api/data", ("X-API-Key", key)));
        Assert.Equal(HttpStatusCode.OK, await Send(host.Client("127.0.0.2"), HttpMethod.Get, "/api/data", ("X-API-Key", RandomKey())));
    }

    [Fact]
    public async Task AnAddressFlood_BeyondTheTrackingCap_IsLimitedByAddress()
    {
        var config = Config();
        config["Floodgate:Identification:MaxTrackedAddresses"] = "2";
        await using var host = await TestHost.StartAsync(config, Map);
        await Send(host.Client("127.0.0.2"), HttpMethod.Get, "/api/data", ("X-API-Key", RandomKey()));
        await Send(host.Client("127.0.0.3"), HttpMethod.Get, "/api/data", ("X-API-Key", RandomKey()));

        var third = host.Client("127.0.0.4");
        Assert.Equal(HttpStatusCode.OK, await Send(third, HttpMethod.Get, "/api/data", ("X-API-Key", RandomKey())));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Send(third, HttpMethod.Get, "/api/data", ("X-API-Key", RandomKey())));
        Assert.Equal(2, host.Get<IdentityGuard>().TrackedAddresses);

        host.Time.Advance(TimeSpan.FromHours(1)); // the tracked windows end and make room
        Assert.Equal(HttpStatusCode.OK, await Send(host.Client("127.0.0.5"), HttpMethod.Get, "/api/data", ("X-API-Key", RandomKey())));
        Assert.Equal(HttpStatusCode.OK, await Send(host.Client("127.0.0.5"), HttpMethod.Get, "/api/data", ("X-API-Key", RandomKey())));
    }
}
