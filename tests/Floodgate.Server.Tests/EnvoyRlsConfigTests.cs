using Envoy.Service.RateLimit.V3;
using Code = Envoy.Service.RateLimit.V3.RateLimitResponse.Types.Code;

namespace Floodgate.Server.Tests;

/// <summary>Envoy's rate limit service: its configuration at start-up and on reload, and several instances on one Redis.</summary>
public sealed class EnvoyRlsConfigTests
{
    private static string Limit(int perDay) => $"""
        domain: reload
        descriptors:
          - key: client
            rate_limit:
              unit: day
              requests_per_unit: {perDay}
        """;

    [Fact]
    public async Task MalformedFileAtStartUp_StopsStartUp_NamingFileAndLine()
    {
        var files = new Dictionary<string, string>
        {
            ["good.yaml"] = Limit(1),
            ["bad.yaml"] = """
                domain: bad
                descriptors:
                  - key: client
                    request_per_unit: 5
                """,
        };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RlsServer.StartAsync(files));

        Assert.Contains("bad.yaml:4: config error, unknown key 'request_per_unit'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnabledWithoutConfiguration_StopsStartUp_NamingTheKey()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new() { ["Floodgate:Envoy:Enabled"] = "true" }));

        Assert.Contains("Floodgate:Envoy:Config must name one or more YAML files or directories", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangedFile_IsReloaded_AndABadOneKeepsTheLastGood_GlobalShadowModeAnswersOk()
    {
        // Global shadow mode too: over the limit, the status says so but the answer is OK.
        await using var server = await RlsServer.StartAsync(new() { ["reload.yaml"] = Limit(1) }, new() { ["Floodgate:Envoy:ShadowMode"] = "true" });
        var client = Guid.NewGuid().ToString("N");
        Assert.Equal(1u, (await server.Client.CallAsync("reload", [("client", client)])).Statuses[0].CurrentLimit.RequestsPerUnit);
        var shadowed = await server.Client.CallAsync("reload", [("client", client)]);
        Assert.Equal((Code.Ok, Code.OverLimit), (shadowed.OverallCode, shadowed.Statuses[0].Code));

        await RlsServer.WriteAsync(server.ConfigDirectory, "reload.yaml", Limit(5));
        var reloaded = await UntilLimitAsync(server, client, 5);
        Assert.Equal((Code.Ok, 4u), (reloaded.OverallCode, reloaded.Statuses[0].LimitRemaining));

        await RlsServer.WriteAsync(server.ConfigDirectory, "reload.yaml", "domain: reload\ndescriptors:\n  - key: client\n    rate_limit: { unit: fortnight, requests_per_unit: 9 }\n");
        await Poll.UntilAsync(() => server.Process.Output.Contains("not reloaded", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the failed reload in the log");
        Assert.Contains("reload.yaml:4: invalid rate limit unit 'fortnight'", server.Process.Output, StringComparison.Ordinal);
        Assert.Equal(5u, (await server.Client.CallAsync("reload", [("client", client)])).Statuses[0].CurrentLimit.RequestsPerUnit);

        // The watch goes on after a bad file: a good one is read again, and a new file adds its domain.
        await RlsServer.WriteAsync(server.ConfigDirectory, "reload.yaml", Limit(7));
        await UntilLimitAsync(server, client, 7);
        await RlsServer.WriteAsync(server.ConfigDirectory, "other.yaml", Limit(3).Replace("domain: reload", "domain: other", StringComparison.Ordinal));
        await Poll.UntilAsync(
            () => server.Client.CallAsync("other", [("client", client)]).Result.Statuses[0].CurrentLimit?.RequestsPerUnit == 3,
            TimeSpan.FromSeconds(30),
            "the new file's domain");
    }

    [Fact]
    public async Task ConfigMapVolume_SwappedDataLink_IsReloaded()
    {
        // A Kubernetes ConfigMap volume: reload.yaml -> ..data/reload.yaml, ..data -> ..v1; an update writes ..v2 and
        // swaps ..data in one rename, so no *.yaml file changes itself.
        var directory = Directory.CreateTempSubdirectory("floodgate-rls-").FullName;
        Directory.CreateDirectory(Path.Combine(directory, "..v1"));
        await File.WriteAllTextAsync(Path.Combine(directory, "..v1", "reload.yaml"), Limit(1));
        Directory.CreateSymbolicLink(Path.Combine(directory, "..data"), "..v1");
        File.CreateSymbolicLink(Path.Combine(directory, "reload.yaml"), Path.Combine("..data", "reload.yaml"));
        await using var server = await RlsServer.StartAsync([], configDirectory: directory);
        var client = Guid.NewGuid().ToString("N");
        Assert.Equal(1u, (await server.Client.CallAsync("reload", [("client", client)])).Statuses[0].CurrentLimit.RequestsPerUnit);

        Directory.CreateDirectory(Path.Combine(directory, "..v2"));
        await File.WriteAllTextAsync(Path.Combine(directory, "..v2", "reload.yaml"), Limit(5));
        Directory.CreateSymbolicLink(Path.Combine(directory, "..data_tmp"), "..v2");
        using (var rename = System.Diagnostics.Process.Start("mv", ["-T", Path.Combine(directory, "..data_tmp"), Path.Combine(directory, "..data")]))
        {
            // rename(2) of the link over the link, as the kubelet swaps it (.NET's File.Move refuses a link to a directory).
            await rename.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, rename.ExitCode);
        }

        await UntilLimitAsync(server, client, 5);
    }

    [Fact]
    public async Task TwoInstancesOnOneRedis_AdmitExactlyTheLimitBetweenThem()
    {
        using var redis = RedisServer.StartOrSkip();

        var files = new Dictionary<string, string>
        {
            ["shared.yaml"] = """
                domain: shared
                descriptors:
                  - key: fixed
                    rate_limit: { unit: day, requests_per_unit: 5 }
                  - key: bucket
                    rate_limit: { unit: day, requests_per_unit: 5, algorithm: token_bucket }
                """,
        };
        var settings = new Dictionary<string, string> { ["Floodgate:Redis:Configuration"] = redis.Endpoint, ["Floodgate:Redis:Timeout"] = "00:00:02" };
        var directory = Directory.CreateTempSubdirectory("floodgate-rls-").FullName;
        await using var a = await RlsServer.StartAsync(files, settings, directory);
        await using var b = await RlsServer.StartAsync(files, settings, directory);

        foreach (var key in new[] { "fixed", "bucket" })
        {
            var calls = Enumerable.Range(0, 24).Select(i => (i % 2 == 0 ? a : b).Client.CallAsync("shared", [(key, "everyone")]));
            var responses = await Task.WhenAll(calls);

            Assert.Equal(5, responses.Count(r => r.OverallCode == Code.Ok));
            Assert.Equal(19, responses.Count(r => r.OverallCode == Code.OverLimit));
        }

        // The counts live in a key space of their own, which no HTTP policy or decision API key can name.
        var scan = (object?[])redis.Call("SCAN", "0", "MATCH", "*rls:shared|*", "COUNT", "10000")!;
        Assert.NotEmpty((object?[])scan[1]!);
    }

    [Fact]
    public async Task RedisAway_TheStoresFailureModeAnswers()
    {
        using var redis = RedisServer.StartOrSkip();

        var settings = new Dictionary<string, string>
        {
            ["Floodgate:Redis:Configuration"] = redis.Endpoint,
            ["Floodgate:Redis:FailureMode"] = "FailClosed",
            ["Floodgate:Redis:Timeout"] = "00:00:00.500",
        };
        await using var server = await RlsServer.StartAsync(new() { ["away.yaml"] = Limit(100) }, settings);
        Assert.Equal(Code.Ok, (await server.Client.CallAsync("reload", [("client", "a")])).OverallCode);

        redis.Kill();

        // FailClosed: every call is over the limit until Redis answers again; an answer, never a gRPC error.
        var response = await server.Client.CallAsync("reload", [("client", "a")]);
        Assert.Equal(Code.OverLimit, response.OverallCode);
        Assert.Equal((Code.OverLimit, 0u, 100u), (response.Statuses[0].Code, response.Statuses[0].LimitRemaining, response.Statuses[0].CurrentLimit.RequestsPerUnit));
    }

    private static async Task<RateLimitResponse> UntilLimitAsync(RlsServer server, string client, uint perDay)
    {
        RateLimitResponse? response = null;
        await Poll.UntilAsync(
            () => (response = server.Client.CallAsync("reload", [("client", client)]).Result).Statuses[0].CurrentLimit.RequestsPerUnit == perDay,
            TimeSpan.FromSeconds(30),
            $"the reloaded limit of {perDay}");
        return response!;
    }
}
