using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Floodgate.Server.Tests;

/// <summary>
/// An attacker who rotates every identifying header he controls, against the service as it ships: each machine is a
/// loopback address of its own, each request a fresh API key.
/// </summary>
public sealed class IdentityAttackTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static HttpRequestMessage WithNewKey(HttpMethod method, string path) =>
        new(method, path) { Headers = { { "X-API-Key", "made-up-" + Guid.NewGuid().ToString("N") } } };

    [Fact]
    public async Task Login_WithAMadeUpApiKeyEachTime_AdmitsOnlyThreeAMinute()
    {
        var attacker = shared.Server.ClientFor(SharedServer.NewClient());

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await attacker.SendAsync(WithNewKey(HttpMethod.Post, "/auth/login"), Token);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(3));
        Assert.All(statuses.Skip(3), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }

    [Fact]
    public async Task BannedAddress_StaysBanned_WhateverKeyItSendsNext()
    {
        var machine = SharedServer.NewClient();
        var attacker = shared.Server.ClientFor(machine);

        // login is 3/minute and five violations ban: eight attempts, each with a key of its own.
        for (var i = 0; i < 8; i++)
        {
            using var _ = await attacker.SendAsync(WithNewKey(HttpMethod.Post, "/auth/login"), Token);
        }

        using var data = await attacker.SendAsync(WithNewKey(HttpMethod.Get, "/api/data"), Token);
        using var login = await attacker.SendAsync(WithNewKey(HttpMethod.Post, "/auth/login"), Token);
        var body = await data.Content.ReadFromJsonAsync<JsonElement>(Token);
        var bystander = await shared.SendAs(SharedServer.NewClient(), HttpMethod.Get, "/api/data");

        Assert.Equal(HttpStatusCode.TooManyRequests, data.StatusCode);
        Assert.Equal("banned", body.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, login.StatusCode);
        Assert.Equal("banned", (await login.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.OK, bystander.StatusCode);
    }

    [Fact]
    public async Task ManyMadeUpKeysFromOneAddress_AreLimitedAsOneClient()
    {
        // /api/data is 100/minute per client; the service believes at most 10 unverified identities per address an hour.
        var attacker = shared.Server.ClientFor(SharedServer.NewClient());

        var admitted = 0;
        for (var i = 0; i < 20 + 150; i++)
        {
            using var response = await attacker.SendAsync(WithNewKey(HttpMethod.Get, "/api/data"), Token);
            admitted += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        // Ten keys stand for themselves (one request each here), then the address is one client with 100 a minute.
        Assert.Equal(10 + 100, admitted);
    }
}
