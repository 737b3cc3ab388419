using Floodgate.Server.Envoy;

namespace Floodgate.Server.Tests;

/// <summary>envoyproxy/ratelimit's YAML: what is refused (with file and line), how values match, how keys are built.</summary>
public sealed class RlsConfigParserTests
{
    [Theory]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    rate_limit: { unit: fortnight, requests_per_unit: 1 }\n", 4, "invalid rate limit unit 'fortnight'")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    rate_limit: { requests_per_unit: 1 }\n", 4, "invalid rate limit unit ''")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    rate_limit:\n      unlimited: true\n      unit: second\n", 6, "should not specify rate limit unit when unlimited")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    rate_limit: { unit: second, requests_per_unit: -1 }\n", 4, "requests_per_unit must be a whole number from 0 to 1000000000 (was '-1')")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    rate_limit: { unit: second, requests_per_unit: 1000000001 }\n", 4, "requests_per_unit must be a whole number")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    rate_limit: { unit: second, requests_per_unit: 1, algorithm: leaky }\n", 4, "unknown algorithm 'leaky'")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    value: v\n  - key: b\n  - key: a\n    value: v\n", 6, "duplicate descriptor composite key 'd.a_v'")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    quota_mode: true\n", 4, "'quota_mode' is not supported by Floodgate")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    rate_limit:\n      unit: second\n    shadow: true\n", 6, "config error, unknown key 'shadow'")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    value: v\n    share_threshold: true\n", 5, "share_threshold can only be used with wildcard values")]
    [InlineData("domain: d\ndescriptors:\n  - value: v\n", 3, "descriptor has empty key")]
    [InlineData("descriptors: []\n", 1, "config file cannot have empty domain")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n    shadow_mode: maybe\n", 4, "'shadow_mode' must be true or false")]
    [InlineData("domain: d\ndescriptors:\n  - key: a\n   value: [\n", 4, "not valid YAML")]
    [InlineData("", 1, "a configuration is a mapping with a non-empty 'domain'")]
    public void Parse_RefusesAMalformedFile_NamingFileAndLine(string yaml, int line, string problem)
    {
        var error = Assert.Throws<RlsConfigException>(() => RlsConfigParser.Parse("/etc/rls/d.yaml", yaml, out _));

        Assert.StartsWith($"/etc/rls/d.yaml:{line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RefusesOneDomainInTwoFiles_AndAMissingPath()
    {
        var directory = Directory.CreateTempSubdirectory("floodgate-rls-").FullName;
        File.WriteAllText(Path.Combine(directory, "a.yaml"), "domain: same\n");
        File.WriteAllText(Path.Combine(directory, "b.yml"), "# the same domain again\ndomain: same\n");
        File.WriteAllText(Path.Combine(directory, "notes.txt"), "not read");

        var duplicate = Assert.Throws<RlsConfigException>(() => RlsConfigParser.Load([directory]));
        var missing = Assert.Throws<RlsConfigException>(() => RlsConfigParser.Load([Path.Combine(directory, "none.yaml")]));

        Assert.Equal($"{Path.Combine(directory, "b.yml")}:2: duplicate domain 'same' (also in {Path.Combine(directory, "a.yaml")})", duplicate.Message);
        Assert.Contains("none.yaml:0: no such file or directory", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReadsEveryPartOfALimit()
    {
        var domain = RlsConfigParser.Parse("d.yaml", """
            domain: d
            descriptors:
              - key: a
                value: v
                detailed_metric: true
                descriptors:
                  - key: b
                    shadow_mode: true
                    rate_limit:
                      name: b-limit
                      unit: week
                      requests_per_unit: 7
                      algorithm: Token-Bucket
                      replaces:
                        - name: other
            """, out _);

        var limit = domain.Match(RlsClient.Descriptor(("a", "v"), ("b", "x")).Entries, out var shares)!;

        Assert.False(shares);
        Assert.Equal(("d.a_v.b", "b-limit", true), (limit.MetricKey, limit.Name, limit.ShadowMode));
        Assert.Equal(["other"], limit.Replaces);
        Assert.Equal(new RateLimit(7, TimeSpan.FromDays(7), RateLimitAlgorithm.TokenBucket), limit.Limit);
        Assert.Equal((7u, "b-limit"), (limit.Proto!.RequestsPerUnit, limit.Proto.Name));
    }

    [Theory]
    [InlineData("/api/*", "/api/", true)]
    [InlineData("/api/*", "/api/users/1", true)]
    [InlineData("/api/*", "/apis", false)]
    [InlineData("*.png", "a/b.png", true)]
    [InlineData("*.png", "a.png.txt", false)]
    [InlineData("a*b*c", "a-b-c", true)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("ab*ba", "aba", false)]
    public void Wildcard_MatchesAnyRunOfCharacters(string pattern, string value, bool matches) =>
        Assert.Equal(matches, new WildcardPattern(pattern).Matches(value));

    [Fact]
    public void Key_IsEscaped_SoNoTwoDescriptorsShareOne()
    {
        var domain = RlsConfigParser.Parse("d.yaml", "domain: d|x\ndescriptors:\n  - key: a\n    descriptors:\n      - key: b\n", out _);

        var one = domain.Key(RlsClient.Descriptor(("a", "x|b=y")).Entries, sharesValue: false);
        var two = domain.Key(RlsClient.Descriptor(("a", "x"), ("b", "y")).Entries, sharesValue: false);

        Assert.Equal("rls:d%7Cx|a=x%7Cb%3Dy", one);
        Assert.Equal("rls:d%7Cx|a=x|b=y", two);
        Assert.Equal("rls:d%7Cx|a=100%25", domain.Key(RlsClient.Descriptor(("a", "100%")).Entries, sharesValue: false));
    }
}
