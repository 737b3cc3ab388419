using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Floodgate.Server.Tests;

/// <summary>What an operator gets back for a policy the admin API cannot take: every problem named by its field.</summary>
public sealed class AdminPayloadTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Create(string json)
    {
        using var response = await shared.Client.PostAsync("/admin/configs", ServerTests.Json(json), Token);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(Token));
    }

    [Theory]
    [InlineData("""{ "path": "/x", "limit": "abc", "window": "minute" }""", "limit", "wrong type")]
    [InlineData("""{ "path": "/x", "limit": 5, "window": "minute", "endpoint": "/x" }""", "endpoint", "unknown field 'endpoint'")]
    [InlineData("""{ "path": "/x", "limit": 5, "window": "minute", "algorithm": "TokenBucket", "burst": -1 }""", "burst", "between 1 and")]
    [InlineData("""{ "path": "/x", "limit": 5, "window": "minute", "algorithm": "leaky" }""", "algorithm", "snake_case")]
    [InlineData("""{ "path": "/x", "limit": 5, "window": "minute", "sensitive": "yes" }""", "sensitive", "wrong type")]
    public async Task InvalidField_Is400ProblemJson_WithAnErrorsEntryForIt(string json, string field, string message)
    {
        var (status, body) = await Create(json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains(message, StringComparison.Ordinal));
        Assert.DoesNotContain("Parameter", body.ToString(), StringComparison.Ordinal); // never an exception's own text
    }

    [Theory]
    [InlineData("token_bucket", "TokenBucket")]
    [InlineData("sliding-window-log", "SlidingWindowLog")]
    [InlineData("GCRA", "Gcra")]
    public async Task AlgorithmNames_AreAcceptedInAnyCaseAndInSnakeCase(string written, string algorithm)
    {
        var id = "alg-" + Guid.NewGuid().ToString("N")[..8];
        var (status, _) = await Create($$"""{ "id": "{{id}}", "path": "/nowhere/{{id}}", "limit": 5, "window": "minute", "algorithm": "{{written}}" }""");
        var stored = await shared.Client.GetFromJsonAsync<JsonElement>($"/admin/configs/{id}", Token);
        await shared.Client.DeleteAsync($"/admin/configs/{id}", Token);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(algorithm, stored.GetProperty("algorithm").GetString());
    }

    [Fact]
    public async Task SensitivePolicy_HoldsForTheAddress_WhateverKeyIsSent()
    {
        var id = "guard-" + Guid.NewGuid().ToString("N")[..8];
        var (status, _) = await Create($$"""{ "id": "{{id}}", "path": "/api/data", "methods": ["PATCH"], "limit": 2, "window": "minute", "sensitive": true }""");
        var machine = shared.Server.ClientFor(SharedServer.NewClient());
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Patch, "/api/data") { Headers = { { "X-API-Key", "made-up-" + i } } };
            using var response = await machine.SendAsync(request, Token);
            statuses.Add(response.StatusCode);
        }

        await shared.Client.DeleteAsync($"/admin/configs/{id}", Token);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2, statuses.Count(s => s != HttpStatusCode.TooManyRequests));
    }
}
