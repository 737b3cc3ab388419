using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Floodgate.Server.Tests;

public sealed class DecisionApiTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Check_WithALimit_DecidesAndCounts()
    {
        var server = shared;
        var results = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            var response = await server.Client.PostAsync("/v1/check", ServerTests.Json("""{ "key": "user-7", "limit": "2/minute", "algorithm": "SlidingWindowLog" }"""), Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            results.Add(await response.Content.ReadFromJsonAsync<JsonElement>(Token));
        }

        Assert.True(results[0].GetProperty("allowed").GetBoolean());
        Assert.Equal(1, results[0].GetProperty("remaining").GetInt64());
        Assert.Equal(0, results[0].GetProperty("retry_after").GetDouble());
        Assert.False(results[2].GetProperty("allowed").GetBoolean());
        Assert.Equal(2, results[2].GetProperty("limit").GetInt64());
        Assert.InRange(results[2].GetProperty("retry_after").GetDouble(), 0.001, 60);
        Assert.InRange(results[2].GetProperty("reset_after").GetDouble(), 0.001, 60);
    }

    [Fact]
    public async Task Check_WithAPolicyName_UsesItsLimits_AndCost()
    {
        var server = shared;

        var first = await server.Client.PostAsync("/v1/check", ServerTests.Json("""{ "key": "svc", "policy": "login", "cost": 2 }"""), Token);
        var second = await server.Client.PostAsync("/v1/check", ServerTests.Json("""{ "key": "svc", "policy": "login", "cost": 2 }"""), Token);
        var tooCostly = await server.Client.PostAsync("/v1/check", ServerTests.Json("""{ "key": "svc2", "policy": "login", "cost": 4 }"""), Token);

        Assert.Equal(1, (await first.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("remaining").GetInt64());
        Assert.False((await second.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("allowed").GetBoolean());
        var costly = await tooCostly.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Equal("cost_exceeds_limit", costly.GetProperty("reason").GetString());
        Assert.False(costly.TryGetProperty("retry_after", out var retry) && retry.ValueKind == JsonValueKind.Number);
    }

    [Theory]
    [InlineData("""{ "limit": "5/minute" }""", "key")]
    [InlineData("""{ "key": "k" }""", "limit")]
    [InlineData("""{ "key": "k", "limit": "ten/minute" }""", "limit")]
    [InlineData("""{ "key": "k", "limit": "5/minute", "algorithm": "Nope" }""", "algorithm")]
    [InlineData("""{ "key": "k", "policy": "no-such-policy" }""", "policy")]
    [InlineData("""{ "key": "k", "policy": "login", "limit": "5/minute" }""", "policy")]
    [InlineData("""{ "key": "k", "limit": "5/minute", "cost": -1 }""", "cost")]
    public async Task BadCheck_Is400NamingTheField(string body, string field)
    {
        var server = shared;

        var response = await server.Client.PostAsync("/v1/check", ServerTests.Json(body), Token);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("/v1/check", """{ "key": "k", "limit": "5/minute", "cost": "abc" }""", "cost", "wrong type")]
    [InlineData("/v1/check", """{ "key": 42, "limit": "5/minute" }""", "key", "wrong type")]
    [InlineData("/v1/check", """{ "key": "k", "limit": "5/minute", "endpoint": "/x" }""", "endpoint", "unknown field 'endpoint'")]
    [InlineData("/v1/check/batch", """{ "checks": [ { "key": "k", "limit": "5/minute", "cost": "abc" } ] }""", "checks[0].cost", "wrong type")]
    [InlineData("/v1/check/batch", """{ "checks": [ { "key": "k", "limit": "5/minute" } ], "atomic": "yes" }""", "atomic", "wrong type")]
    [InlineData("/v1/check/batch", """{ "checks": [ { "key": "k", "limit": "5/minute" } ], "endpoint": "/x" }""", "endpoint", "unknown field 'endpoint'")]
    [InlineData("/v1/check/batch", """{ "checks": [] }""", "checks", "Between 1 and")]
    public async Task BadPayload_IsProblemJson_WithAnErrorsEntryForTheField_NeverExceptionText(string path, string body, string field, string message)
    {
        var response = await shared.Client.PostAsync(path, ServerTests.Json(body), Token);
        var text = await response.Content.ReadAsStringAsync(Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains(message, StringComparison.Ordinal));
        foreach (var exceptionText in new[] { "Exception", "System.", "LineNumber", "BytePositionInLine", "Path: $" })
        {
            Assert.DoesNotContain(exceptionText, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("{ \"key\": ")]
    [InlineData("null")]
    public async Task BodyThatIsNoObject_IsProblemJson_NeverExceptionText(string body)
    {
        var response = await shared.Client.PostAsync("/v1/check", ServerTests.Json(body), Token);
        var text = await response.Content.ReadAsStringAsync(Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_DecidesSeveralKeysInOneCall_AndAtomicConsumesNothingWhenOneDenies()
    {
        var server = shared;

        var batch = await server.Client.PostAsync("/v1/check/batch", ServerTests.Json("""{ "checks": [ { "key": "a", "limit": "1/minute" }, { "key": "b", "limit": "1/minute" }, { "key": "a", "limit": "1/minute" } ] }"""), Token);
        var results = await batch.Content.ReadFromJsonAsync<JsonElement>(Token);
        var atomic = await server.Client.PostAsync("/v1/check/batch", ServerTests.Json("""{ "atomic": true, "checks": [ { "key": "c", "limit": "5/minute" }, { "key": "a", "limit": "1/minute" } ] }"""), Token);
        var atomicResults = await atomic.Content.ReadFromJsonAsync<JsonElement>(Token);
        var c = await server.Client.PostAsync("/v1/check", ServerTests.Json("""{ "key": "c", "limit": "5/minute" }"""), Token);
        var empty = await server.Client.PostAsync("/v1/check/batch", ServerTests.Json("""{ "checks": [] }"""), Token);

        Assert.Equal([true, true, false], results.EnumerateArray().Select(r => r.GetProperty("allowed").GetBoolean()));
        Assert.False(atomicResults[1].GetProperty("allowed").GetBoolean());
        Assert.Equal(4, (await c.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("remaining").GetInt64()); // the atomic batch took nothing from c
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task DecisionApiKeys_AreRequiredWhenConfigured()
    {
        await using var server = await ServerProcess.StartAsync(new() { ["Floodgate:DecisionApi:Keys:0"] = "svc-key" });

        var without = await server.Client.PostAsync("/v1/check", ServerTests.Json("""{ "key": "k", "limit": "5/minute" }"""), Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/check") { Content = ServerTests.Json("""{ "key": "k", "limit": "5/minute" }""") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "svc-key");
        var with = await server.Client.SendAsync(request, Token);

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }
}
