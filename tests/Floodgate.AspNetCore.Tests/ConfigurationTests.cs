using Microsoft.Extensions.Options;

namespace Floodgate.AspNetCore.Tests;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Floodgate:DefaultLimit", "ten/minute", "Floodgate:DefaultLimit")]
    [InlineData("Floodgate:Algorithm", "LeakyBucket", "SlidingWindowCounter, SlidingWindowLog, TokenBucket, FixedWindow, Gcra")]
    [InlineData("Floodgate:StatusCode", "500", "Floodgate:StatusCode must be one of 420, 429, 503")]
    [InlineData("Floodgate:Headers", "Some", "Floodgate:Headers must be one of Both, Legacy, Draft, None")]
    [InlineData("Floodgate:ForwardedHeaders:TrustedProxies:0", "10.0.0.0/99", "Floodgate:ForwardedHeaders:TrustedProxies:0")]
    [InlineData("Floodgate:Penalty:Violations", "0", "Floodgate:Penalty:Violations")]
    [InlineData("Floodgate:Penalty:Window", "soon", "Floodgate:Penalty:Window must be a duration")]
    [InlineData("Floodgate:Global:CircuitBreaker:Mode", "Panic", "Adaptive, Lockdown, Disabled")]
    [InlineData("Floodgate:Endpoint:Limit", "5/0s", "Floodgate:Endpoint:Limit")]
    [InlineData("Floodgate:Identification:Ipv6PrefixLength", "200", "Floodgate:Identification:Ipv6PrefixLength")]
    [InlineData("Floodgate:Identification:MaxIdentitiesPerAddress", "-1", "Floodgate:Identification:MaxIdentitiesPerAddress must be between 0 and 1000")]
    [InlineData("Floodgate:Identification:MaxIdentitiesPerAddress", "many", "Floodgate:Identification:MaxIdentitiesPerAddress must be a whole number")]
    [InlineData("Floodgate:Identification:IdentityWindow", "00:00:00", "Floodgate:Identification:IdentityWindow must be between")]
    [InlineData("Floodgate:Identification:MaxTrackedAddresses", "0", "Floodgate:Identification:MaxTrackedAddresses must be between")]
    [InlineData("Floodgate:Rules:0:Sensitive", "maybe", "Floodgate:Rules:0:Sensitive must be true or false")]
    public async Task InvalidValue_StopsStartUp_WithAMessageNamingTheKey(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(new() { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidRule_NamesItsIndexAndField()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(new()
        {
            ["Floodgate:Rules:0:Path"] = "/ok",
            ["Floodgate:Rules:1:Path"] = "no-slash",
            ["Floodgate:Rules:1:Limit"] = "0/minute",
        }));

        Assert.Contains("Floodgate:Rules:1:Path", error.Message, StringComparison.Ordinal);
        Assert.Contains("Floodgate:Rules:1:Limit", error.Message, StringComparison.Ordinal);
        Assert.Contains("100/minute", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BurstOnAnAlgorithmWithout_IsRejected()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(new()
        {
            ["Floodgate:Rules:0:Path"] = "/api/**",
            ["Floodgate:Rules:0:Limit"] = "10/minute",
            ["Floodgate:Rules:0:Burst"] = "20",
        }));

        Assert.Contains("Floodgate:Rules:0:Burst (20)", error.Message, StringComparison.Ordinal);
        Assert.Contains("TokenBucket and Gcra", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvironmentStyleKeys_Bind()
    {
        await using var host = await TestHost.StartAsync(new()
        {
            ["Floodgate:ForwardedHeaders:TrustedProxies:0"] = "10.0.0.0/8",
            ["Floodgate:ForwardedHeaders:TrustedProxies:1"] = "::1",
            ["Floodgate:Algorithm"] = "gcra",
        });

        var options = host.Get<IOptions<FloodgateOptions>>().Value;

        Assert.Equal(["10.0.0.0/8", "::1"], options.ForwardedHeaders.TrustedProxies);
        Assert.Equal(RateLimitAlgorithm.Gcra, options.Algorithm);
    }
}
