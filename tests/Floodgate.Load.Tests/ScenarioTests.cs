using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Floodgate.Load.Options;
using Floodgate.Load.Scenarios;

namespace Floodgate.Load.Tests;

/// <summary>Each scenario sends the requests it promises; checked on what the server received.</summary>
public sealed class ScenarioTests
{
    private static readonly IPNetwork[] DocumentationRanges =
        [IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("2001:db8::/32")];

    [Fact]
    public async Task Clients_WithForwardedIdentity_EachHaveTheirOwnDocumentationAddress()
    {
        await using var server = await RecordingServer.StartAsync();

        await Run.EngineAsync("--url", server.BaseUrl + "/api/data", "--rate", "200", "--duration", "500ms", "--clients", "10");

        var requests = server.Requests.ToArray();
        Assert.Equal(100, requests.Length);
        var addresses = requests.Select(r => r.ForwardedFor).Distinct().ToArray();
        Assert.Equal(10, addresses.Length);
        Assert.All(addresses, a => Assert.Contains(DocumentationRanges, n => n.Contains(IPAddress.Parse(a))));
        Assert.All(requests.GroupBy(r => r.ForwardedFor), g => Assert.Equal(10, g.Count()));
    }

    [Fact]
    public async Task Clients_WithApiKeyIdentity_EachHaveTheirOwnKey()
    {
        await using var server = await RecordingServer.StartAsync();

        await Run.EngineAsync("--url", server.BaseUrl + "/api/resource", "--method", "POST", "--rate", "200", "--duration", "500ms",
            "--identity", "api-key", "--clients", "7");

        var requests = server.Requests.ToArray();
        Assert.All(requests, r => Assert.Equal("POST", r.Method));
        Assert.All(requests, r => Assert.Equal("", r.ForwardedFor));
        Assert.Equal(7, requests.Select(r => r.ApiKey).Distinct().Count());
        Assert.All(requests, r => Assert.StartsWith("floodgate-load-", r.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CredentialStuffing_PostsLoginAttemptsFromFewClients()
    {
        await using var server = await RecordingServer.StartAsync();

        await Run.EngineAsync("--url", server.BaseUrl, "--scenario", "credential-stuffing", "--rate", "100", "--duration", "500ms");

        var requests = server.Requests.ToArray();
        Assert.Equal(50, requests.Length);
        Assert.All(requests, r => Assert.Equal(("POST", "/auth/login", "application/json"), (r.Method, r.Path, r.ContentType)));
        Assert.Equal(5, requests.Select(r => r.ForwardedFor).Distinct().Count());
        Assert.True(requests.Select(r => r.Body).Distinct().Count() > 10, "the guesses vary");
        Assert.All(requests, r =>
        {
            using var body = JsonDocument.Parse(r.Body);
            Assert.EndsWith("@example.com", body.RootElement.GetProperty("username").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("guess-", body.RootElement.GetProperty("password").GetString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Distributed_SpreadsOverManyAddressesEachFarUnderItsOwnLimit()
    {
        await using var server = await RecordingServer.StartAsync();

        await Run.EngineAsync("--url", server.BaseUrl, "--scenario", "distributed", "--rate", "500", "--duration", "1s");

        var requests = server.Requests.ToArray();
        Assert.Equal(500, requests.Length);
        Assert.All(requests, r => Assert.Equal(("GET", "/api/data"), (r.Method, r.Path)));
        var addresses = requests.Select(r => r.ForwardedFor).Distinct().ToArray();
        Assert.Equal(500, addresses.Length);
        Assert.All(addresses, a => Assert.Contains(DocumentationRanges, n => n.Contains(IPAddress.Parse(a))));
    }

    [Fact]
    public async Task Ipv6Rotation_RotatesAddressesInsideOneSlash64()
    {
        await using var server = await RecordingServer.StartAsync();

        await Run.EngineAsync("--url", server.BaseUrl, "--scenario", "ipv6-rotation", "--rate", "200", "--duration", "1s");

        var requests = server.Requests.ToArray();
        Assert.Equal(200, requests.Length);
        Assert.All(requests, r => Assert.Equal("/api/data", r.Path));
        var addresses = requests.Select(r => IPAddress.Parse(r.ForwardedFor)).Distinct().ToArray();
        Assert.Equal(200, addresses.Length); // 256 clients: every request of this run a new address
        Assert.All(addresses, a => Assert.Equal(AddressFamily.InterNetworkV6, a.AddressFamily));
        var prefix = new IPNetwork(addresses[0], 64);
        Assert.All(addresses, a => Assert.True(prefix.Contains(a), $"{a} is outside {prefix}"));
        Assert.Equal(ClientIdentities.RotationNetwork, prefix);
    }

    [Fact]
    public async Task Burst_SendsGetsToItsPath()
    {
        await using var server = await RecordingServer.StartAsync();

        var result = await Run.EngineAsync("--url", server.BaseUrl, "--scenario", "burst", "--rate", "40", "--duration", "500ms");

        Assert.Equal(20, result.Sent);
        Assert.All(server.Requests, r => Assert.Equal(("GET", "/api/data", ""), (r.Method, r.Path, r.ForwardedFor)));
    }

    [Fact]
    public void Burst_AlternatesSevenQuietSecondsWithThreeAtTenTimesTheRate()
    {
        var plan = LoadPlan.Create(LoadOptionsParser.Parse(["--url", "http://127.0.0.1:8000", "--scenario", "burst", "--rate", "5", "--duration", "25s"]));

        Assert.Equal(
            [
                new RatePhase(TimeSpan.Zero, TimeSpan.FromSeconds(7), 5),
                new RatePhase(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(3), 50),
                new RatePhase(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(7), 5),
                new RatePhase(TimeSpan.FromSeconds(17), TimeSpan.FromSeconds(3), 50),
                new RatePhase(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), 5),
            ],
            plan.Phases);
        Assert.Equal(35 + 150 + 35 + 150 + 25, plan.PlannedRequests);
        Assert.Equal(new Uri("http://127.0.0.1:8000/api/data"), plan.Request.Url);
    }

    [Theory]
    [InlineData("steady", "GET", "/api/data", "none", 1)]
    [InlineData("burst", "GET", "/api/data", "none", 1)]
    [InlineData("credential-stuffing", "POST", "/auth/login", "forwarded", 5)]
    [InlineData("distributed", "GET", "/api/data", "forwarded", 500)]
    [InlineData("ipv6-rotation", "GET", "/api/data", "forwarded-ipv6-64", 256)]
    public void Scenario_OnABareBase_UsesItsDefaults(string name, string method, string path, string identity, int clients)
    {
        var plan = LoadPlan.Create(LoadOptionsParser.Parse(["--url", "http://127.0.0.1:8000", "--scenario", name]));

        Assert.Equal(method, plan.Request.Method.Method);
        Assert.Equal(path, plan.Request.Url.AbsolutePath);
        Assert.Equal(identity, plan.Request.Identities.Name);
        Assert.Equal(clients, plan.Request.Identities.Count);
    }

    [Fact]
    public void Scenario_WithAUrlPath_SendsToThatPath()
    {
        var plan = LoadPlan.Create(LoadOptionsParser.Parse(["--url", "http://127.0.0.1:8000/api/submit", "--scenario", "distributed"]));

        Assert.Equal("/api/submit", plan.Request.Url.AbsolutePath);
    }

    [Fact]
    public void FirstClient_NumbersTheClientsFromIt_SoThatTwoRunsSendDisjointIdentities()
    {
        var first = LoadPlan.Create(LoadOptionsParser.Parse(["--url", "http://127.0.0.1:8000/api/data", "--identity", "api-key", "--clients", "10"]));
        var second = LoadPlan.Create(LoadOptionsParser.Parse(["--url", "http://127.0.0.1:8000/api/data", "--identity", "api-key", "--clients", "10", "--first-client", "10"]));

        Assert.Equal("floodgate-load-000010", second.Request.Identities.Values[0]);
        Assert.Equal("floodgate-load-000019", second.Request.Identities.Values[9]);
        Assert.Empty(first.Request.Identities.Values.Intersect(second.Request.Identities.Values));
        var none = Assert.Throws<UsageException>(() => LoadPlan.Create(LoadOptionsParser.Parse(["--url", "http://127.0.0.1:8000/api/data", "--first-client", "5"])));
        Assert.Contains("--first-client needs --identity", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForwardedAddresses_BeyondTheIpv4Ranges_AreIpv6InTheirOwnSlash64()
    {
        var identities = ClientIdentities.Create(IdentityKind.Forwarded, ClientIdentities.Ipv4Capacity + 3);

        Assert.Equal("198.51.100.1", identities.Values[0]);
        Assert.Equal("198.51.100.254", identities.Values[253]);
        Assert.Equal("203.0.113.1", identities.Values[254]);
        Assert.Equal("192.0.2.254", identities.Values[ClientIdentities.Ipv4Capacity - 1]);
        Assert.Equal("2001:db8::1", identities.Values[ClientIdentities.Ipv4Capacity]);
        Assert.Equal("2001:db8:0:1::1", identities.Values[ClientIdentities.Ipv4Capacity + 1]);
        Assert.Equal(identities.Values.Count, identities.Values.Distinct().Count());
    }
}
