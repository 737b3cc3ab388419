using Floodgate.AspNetCore;
using Floodgate.Replay.Policies;

namespace Floodgate.Replay.Tests;

public sealed class PolicyFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("floodgate-replay-").FullName;

    [Fact]
    public void Load_AdminPolicyList_BecomesRules_InTheAdminApisSpelling()
    {
        var path = Write("policies.json", """
            [
              {"id": "login", "path": "/auth/login", "methods": ["POST"], "limit": 5, "window": "minute", "algorithm": "sliding_window_log", "scope": "ip", "updated_at": "2026-01-01T00:00:00Z"},
              {"id": "api", "path": "/api/**", "limit": 100, "window": "10s", "algorithm": "TokenBucket", "burst": 20, "cost": 2, "sensitive": false}
            ]
            """);

        var candidate = PolicyFile.Load(path, settingsPath: null);

        Assert.Equal(["login", "api"], candidate.Policies.Select(p => p.Name));
        var login = candidate.Policies[0];
        Assert.Equal(("/auth/login", "5/minute", RateLimitAlgorithm.SlidingWindowLog, RuleScope.Ip), (login.Path, login.Limit, login.Algorithm, login.Scope));
        Assert.Equal(["POST"], login.Methods);
        var api = candidate.Policies[1];
        Assert.Equal(("100/10s", 20L, 2L, false), (api.Limit, api.Burst, api.Cost, api.Sensitive));
        Assert.Equal(new FloodgateOptions().DefaultLimit, candidate.Options.DefaultLimit);
    }

    [Fact]
    public void Load_AdminPolicyList_WithBadFields_NamesEachOne()
    {
        var path = Write("policies.json", """[{"id": "a", "path": "/a", "limit": "many", "window": "minute", "algorithm": "fastest", "colour": "red"}, 7]""");

        var error = Assert.Throws<PolicyFileException>(() => PolicyFile.Load(path, settingsPath: null));

        Assert.Contains("[0].colour: not a policy field", error.Message, StringComparison.Ordinal);
        Assert.Contains("[0].limit: must be a whole number", error.Message, StringComparison.Ordinal);
        Assert.Contains("[0].algorithm: one of SlidingWindowCounter", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1]: a policy is a JSON object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AppSettings_BindsTheFloodgateSection_AndAListRunsOverIt()
    {
        var settings = Write("appsettings.json", """
            { "Logging": {}, "Floodgate": { "DefaultLimit": "20/minute", "Algorithm": "FixedWindow", "Rules": [ { "Name": "items", "Path": "/api/items/*", "Limit": "40/minute" } ] } }
            """);
        var policies = Write("policies.json", """[{"id": "api", "path": "/api/**", "limit": 5, "window": "minute"}]""");

        var alone = PolicyFile.Load(settings, settingsPath: null);
        var over = PolicyFile.Load(policies, settings);

        Assert.Equal(("20/minute", RateLimitAlgorithm.FixedWindow, "items"), (alone.Options.DefaultLimit, alone.Options.Algorithm, alone.Options.Rules.Single().Name));
        Assert.Empty(alone.Policies);
        Assert.Equal("20/minute", over.Options.DefaultLimit);
        Assert.Equal("api", over.Policies.Single().Name);
    }

    [Fact]
    public void Load_AppSettingsWithABadValue_NamesTheKey()
    {
        var path = Write("appsettings.json", """{ "Floodgate": { "Algorithm": "Fastest" } }""");

        var error = Assert.Throws<PolicyFileException>(() => PolicyFile.Load(path, settingsPath: null));

        Assert.Contains("Floodgate:Algorithm", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"Other\": 1 }", "expected a list of policies")]
    [InlineData("{ nope", "not JSON")]
    public void Load_NeitherForm_SaysWhatIsExpected(string text, string message)
    {
        var path = Write("file.json", text);

        var error = Assert.Throws<PolicyFileException>(() => PolicyFile.Load(path, settingsPath: null));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
