using System.Net;
using System.Text;
using Floodgate.AspNetCore.Identification;

namespace Floodgate.AspNetCore.Tests;

public sealed class IdentificationTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> OnePerMinute(bool trustLoopback = false, string? fingerprint = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["Floodgate:DefaultLimit"] = "1/minute",
            ["Floodgate:Penalty:Enabled"] = "false",
        };
        if (trustLoopback)
        {
            config["Floodgate:ForwardedHeaders:TrustedProxies:0"] = "127.0.0.0/8";
        }

        if (fingerprint is not null)
        {
            config["Floodgate:Identification:Fingerprint"] = fingerprint;
        }

        return config;
    }

    private static async Task<HttpStatusCode> Get(HttpClient client, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/data");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request, Token);
        return response.StatusCode;
    }

    [Fact]
    public async Task DifferentPeers_AreDifferentClients()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute());

        Assert.Equal(HttpStatusCode.OK, await Get(host.Client("127.0.0.2")));
        Assert.Equal(HttpStatusCode.OK, await Get(host.Client("127.0.0.3")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(host.Client("127.0.0.2")));
    }

    [Fact]
    public async Task SpoofedForwardedFor_FromUntrustedPeer_IsIgnored()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute(trustLoopback: false));
        var attacker = host.Client("127.0.0.9");

        Assert.Equal(HttpStatusCode.OK, await Get(attacker, ("X-Forwarded-For", "203.0.113.1")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(attacker, ("X-Forwarded-For", "203.0.113.2")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(attacker, ("X-Real-IP", "203.0.113.3")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(attacker, ("Forwarded", "for=203.0.113.4")));
    }

    [Fact]
    public async Task TrustedProxy_RightMostUntrustedForwardedAddress_IsTheClient()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute(trustLoopback: true));
        var proxy = host.Client("127.0.0.5");

        // The client can prepend anything; the right-most untrusted entry was added by our proxy.
        Assert.Equal(HttpStatusCode.OK, await Get(proxy, ("X-Forwarded-For", "198.51.100.1, 203.0.113.7")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(proxy, ("X-Forwarded-For", "198.51.100.2, 203.0.113.7")));
        Assert.Equal(HttpStatusCode.OK, await Get(proxy, ("X-Forwarded-For", "203.0.113.8, 127.0.0.6")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(proxy, ("X-Forwarded-For", "203.0.113.8")));
    }

    [Fact]
    public async Task TrustedProxy_ForwardedAndXRealIp_AreRead()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute(trustLoopback: true));
        var proxy = host.Client("127.0.0.5");

        Assert.Equal(HttpStatusCode.OK, await Get(proxy, ("Forwarded", "for=\"[2001:db8:aaaa:1::7]:4711\";proto=https")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(proxy, ("Forwarded", "for=\"[2001:db8:aaaa:1::9]\"")));
        Assert.Equal(HttpStatusCode.OK, await Get(proxy, ("X-Real-IP", "192.0.2.44")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(proxy, ("X-Real-IP", "192.0.2.44")));
    }

    [Fact]
    public async Task Ipv6Rotation_InsideOne64_SharesOneLimit_AndAnother64IsAnotherClient()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute(trustLoopback: true));
        var proxy = host.Client();

        Assert.Equal(HttpStatusCode.OK, await Get(proxy, ("X-Forwarded-For", "2001:db8:1:2::1")));
        for (var i = 2; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, await Get(proxy, ("X-Forwarded-For", $"2001:db8:1:2:{i:x}:{i * 7:x}::{i}")));
        }

        Assert.Equal(HttpStatusCode.OK, await Get(proxy, ("X-Forwarded-For", "2001:db8:1:3::1")));
    }

    [Fact]
    public async Task Ipv4MappedIpv6_IsTheSameClientAsIpv4()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute(trustLoopback: true));
        var proxy = host.Client();

        Assert.Equal(HttpStatusCode.OK, await Get(proxy, ("X-Forwarded-For", "::ffff:198.51.100.20")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(proxy, ("X-Forwarded-For", "198.51.100.20")));
    }

    [Theory]
    [InlineData("not-an-ip")]
    [InlineData("999.1.1.1")]
    [InlineData("1")]
    [InlineData("0x7f.1")]
    [InlineData(",,,,")]
    [InlineData("[::1")]
    [InlineData("1.2.3.4:99999")]
    [InlineData("\"; DROP TABLE clients; --")]
    public async Task MalformedForwardedFor_FallsBackToThePeer_NeverFails(string hostile)
    {
        await using var host = await TestHost.StartAsync(OnePerMinute(trustLoopback: true));
        var proxy = host.Client("127.0.0.7");

        Assert.Equal(HttpStatusCode.OK, await Get(proxy, ("X-Forwarded-For", hostile)));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(proxy, ("X-Forwarded-For", hostile)));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(proxy));
    }

    [Fact]
    public async Task OversizedForwardedChain_IsIgnored()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute(trustLoopback: true));
        var proxy = host.Client("127.0.0.8");
        var huge = string.Join(", ", Enumerable.Range(0, 2000).Select(i => $"10.{i / 256 % 256}.{i % 256}.1"));

        Assert.Equal(HttpStatusCode.OK, await Get(proxy, ("X-Forwarded-For", huge)));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(proxy));
    }

    [Fact]
    public async Task ApiKeys_AreSeparateClients_AndNeverStoredRaw()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute());
        var client = host.Client();

        Assert.Equal(HttpStatusCode.OK, await Get(client, ("X-API-Key", "secret-one")));
        Assert.Equal(HttpStatusCode.OK, await Get(client, ("X-API-Key", "secret-two")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(client, ("X-API-Key", "secret-one")));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/data") { Headers = { { "X-API-Key", "secret-one" } } };
        using var denied = await client.SendAsync(request, Token);
        var body = await denied.Content.ReadAsStringAsync(Token);
        Assert.DoesNotContain("secret-one", body, StringComparison.Ordinal);
        Assert.Matches("\"client\":\"key:[0-9a-f]{32}\"", body);
    }

    [Fact]
    public async Task AuthenticatedUser_IsIdentifiedBeforeTheAddress()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute());
        var client = host.Client();

        Assert.Equal(HttpStatusCode.OK, await Get(client, ("X-Test-User", "alice")));
        Assert.Equal(HttpStatusCode.OK, await Get(client, ("X-Test-User", "bob")));
        Assert.Equal(HttpStatusCode.OK, await Get(client));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(client, ("X-Test-User", "alice")));
    }

    [Fact]
    public async Task UnverifiedJwtSubject_IsUsedOnlyWhenEnabled_AndCombinedWithTheAddress()
    {
        var config = OnePerMinute();
        config["Floodgate:Identification:TrustUnverifiedJwt"] = "true";
        await using var host = await TestHost.StartAsync(config);
        var client = host.Client("127.0.0.2");
        var other = host.Client("127.0.0.3");

        Assert.Equal(HttpStatusCode.OK, await Get(client, ("Authorization", "Bearer " + Jwt("user-1"))));
        Assert.Equal(HttpStatusCode.OK, await Get(client, ("Authorization", "Bearer " + Jwt("user-2"))));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(client, ("Authorization", "Bearer " + Jwt("user-1"))));
        Assert.Equal(HttpStatusCode.OK, await Get(other, ("Authorization", "Bearer " + Jwt("user-1"))));
        Assert.Equal(HttpStatusCode.OK, await Get(client, ("Authorization", "Bearer not.a.jwt")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(client, ("Authorization", "Bearer %%%.%%%.%%%")));
    }

    [Fact]
    public async Task UnverifiedJwt_IsIgnoredByDefault()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute());
        var client = host.Client();

        Assert.Equal(HttpStatusCode.OK, await Get(client, ("Authorization", "Bearer " + Jwt("user-1"))));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(client, ("Authorization", "Bearer " + Jwt("user-2"))));
    }

    [Fact]
    public async Task ClientIdHeader_IsIgnoredByDefault()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute());
        var client = host.Client("127.0.0.2");

        // A client that names itself anew on each request is still one client: the header is not a default source.
        Assert.Equal(HttpStatusCode.OK, await Get(client, ("X-Client-ID", "first")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(client, ("X-Client-ID", "second")));
    }

    [Fact]
    public async Task ClientIdHeader_IdentifiesOnlyWhenListedAsASource()
    {
        var config = OnePerMinute();
        config["Floodgate:Identification:Sources:0"] = "ClientId";
        config["Floodgate:Identification:Sources:1"] = "Ip";
        await using var host = await TestHost.StartAsync(config);
        var client = host.Client("127.0.0.2");

        Assert.Equal(HttpStatusCode.OK, await Get(client, ("X-Client-ID", "first")));
        Assert.Equal(HttpStatusCode.OK, await Get(client, ("X-Client-ID", "second")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(client, ("X-Client-ID", "first")));
    }

    [Fact]
    public async Task FingerprintNormal_SeparatesUserAgentsBehindOneAddress()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute(fingerprint: "Normal"));
        var client = host.Client();

        Assert.Equal(HttpStatusCode.OK, await Get(client, ("User-Agent", "BrowserA/1.0")));
        Assert.Equal(HttpStatusCode.OK, await Get(client, ("User-Agent", "BrowserB/2.0")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(client, ("User-Agent", "BrowserA/1.0")));
    }

    [Fact]
    public async Task FingerprintStrict_AlsoReadsLanguageEncodingAndHeaderOrder()
    {
        await using var host = await TestHost.StartAsync(OnePerMinute(fingerprint: "Strict"));
        var client = host.Client();

        Assert.Equal(HttpStatusCode.OK, await Get(client, ("User-Agent", "A"), ("Accept-Language", "en")));
        Assert.Equal(HttpStatusCode.OK, await Get(client, ("User-Agent", "A"), ("Accept-Language", "fr")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(client, ("User-Agent", "A"), ("Accept-Language", "en")));
    }

    [Fact]
    public void ClientId_IsAFixedLengthHash()
    {
        var first = ClientIdentifier.Hash("fp:", "a");
        var second = ClientIdentifier.Hash("fp:", new string('x', 100_000));

        Assert.Equal(first.Length, second.Length);
        Assert.Equal(35, first.Length);
    }

    [Fact]
    public void Mask_GroupsIpv6ByPrefix_AndLeavesIpv4Alone()
    {
        Assert.Equal(IPAddress.Parse("2001:db8:1:2::"), ClientIdentifier.Mask(IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 64));
        Assert.Equal(IPAddress.Parse("2001:db8::"), ClientIdentifier.Mask(IPAddress.Parse("2001:db8:ffff:2::1"), 32));
        Assert.Equal(IPAddress.Parse("192.0.2.1"), ClientIdentifier.Mask(IPAddress.Parse("192.0.2.1"), 64));
    }

    private static string Jwt(string subject)
    {
        static string Encode(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Encode("{\"alg\":\"none\"}")}.{Encode($"{{\"iss\":\"x\",\"sub\":\"{subject}\",\"n\":{{\"a\":[1,2]}}}}")}.sig";
    }
}
