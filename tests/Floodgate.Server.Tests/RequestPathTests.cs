using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Floodgate.Diagnostics;
using Floodgate.Testing;

namespace Floodgate.Server.Tests;

/// <summary>The service's start-up with invalid configuration, and the one vocabulary of denial reasons.</summary>
public sealed class RequestPathTests(SharedServer shared)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string> InvalidSettings => new()
    {
        { "Floodgate:Penalty:Violations", "0", "Floodgate:Penalty:Violations must be between 1 and 1000 (was 0)." },
        { "Floodgate:Redis:FailureMode", "Bogus", "Floodgate:Redis:FailureMode must be one of FallbackToMemory, FailOpen, FailClosed (was 'Bogus')." },
        { "Floodgate:Rules:0:Burst", "-3", "Floodgate:Rules:0:Burst must be between 1 and 1000000000 (was -3)." },
        { "Floodgate:Policies:Path", "{file}/floodgate.db", "Floodgate:Policies:Path must be a file the service can create and write (was '{file}/floodgate.db')" },
        { "Floodgate:StatusCode", "abc", "Floodgate:StatusCode must be a whole number (was 'abc')." },
        { "Floodgate:Identification:Fingerprint", "Paranoid", "Floodgate:Identification:Fingerprint must be one of Relaxed, Normal, Strict (was 'Paranoid')." },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task InvalidValue_EndsStartUp_WithExitCode1_AndOneLineNamingKeyValueAndAccepted(string key, string value, string expected)
    {
        // A regular file cannot hold a database file: a path under it is one the service cannot write.
        var file = Path.GetTempFileName();
        var settings = new Dictionary<string, string> { [key] = value.Replace("{file}", file, StringComparison.Ordinal) };
        if (key.StartsWith("Floodgate:Redis:", StringComparison.Ordinal))
        {
            settings["Floodgate:Redis:Configuration"] = $"127.0.0.1:{RedisServer.FreePort()}";
        }

        var (exitCode, error, output) = await ServerProcess.RunToExitAsync(settings, TimeSpan.FromMinutes(2));

        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(1, exitCode);
        var line = Assert.Single(lines);
        Assert.StartsWith(expected.Replace("{file}", file, StringComparison.Ordinal), line, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
        File.Delete(file);
    }

    [Fact]
    public async Task DenialReason_IsTheSameWord_InTheRejectionBody_TheDecisionApi_AndTheLiveEvent()
    {
        var machine = SharedServer.NewClient();
        var status = await shared.SendFrom(machine, HttpMethod.Get, "/rate-limit/status");
        var id = (await status.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("client").GetString()!;
        await using var events = await LiveListener.SseAsync(shared.Client, "/events/" + Uri.EscapeDataString(id));

        // login: 3 a minute; the fourth attempt is over the limit.
        HttpResponseMessage? rejected = null;
        for (var i = 0; i < 4; i++)
        {
            rejected = await shared.SendFrom(machine, HttpMethod.Post, "/auth/login");
        }

        var body = await rejected!.Content.ReadFromJsonAsync<JsonElement>(Token);
        var live = (await events.UntilAsync(e => LiveListener.Is(e, "denied")))[^1];
        var key = "reasons-" + Guid.NewGuid().ToString("N");
        JsonElement check = default;
        for (var i = 0; i < 2; i++)
        {
            var response = await shared.Client.PostAsync("/v1/check", ServerTests.Json($$"""{ "key": "{{key}}", "limit": "1/minute" }"""), Token);
            check = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
        }

        var word = RateLimitNames.Reason(RateLimitDenialReason.LimitExceeded);
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal(word, body.GetProperty("reason").GetString());
        Assert.Equal(word, live.GetProperty("reason").GetString());
        Assert.Equal(word, check.GetProperty("reason").GetString());
        Assert.Equal(body.GetProperty("layer").GetString(), live.GetProperty("layer").GetString());
    }
}
