using System.Globalization;
using Envoy.Service.RateLimit.V3;
using RlsRequest = Envoy.Service.RateLimit.V3.RateLimitRequest;
using Google.Protobuf;
using Grpc.Core;
using Code = Envoy.Service.RateLimit.V3.RateLimitResponse.Types.Code;
using Unit = Envoy.Service.RateLimit.V3.RateLimitResponse.Types.RateLimit.Types.Unit;

[assembly: AssemblyFixture(typeof(Floodgate.Server.Tests.EnvoyRlsServer))]

namespace Floodgate.Server.Tests;

/// <summary>
/// One service process with Envoy's rate limit service on (memory store, response headers on) for the tests that only
/// read its configuration; each test uses its own descriptor values, so their counts never meet.
/// </summary>
public sealed class EnvoyRlsServer : IAsyncLifetime
{
    public static readonly Dictionary<string, string> Files = new()
    {
        ["fields.yaml"] = """
            domain: fields
            descriptors:
              - key: client
                rate_limit:
                  name: per-client
                  unit: day
                  requests_per_unit: 3
            """,
        ["nested.yml"] = """
            domain: nested
            descriptors:
              - key: tenant
                value: acme
                descriptors:
                  - key: user
                    rate_limit: { unit: day, requests_per_unit: 2 }
              - key: tenant
                rate_limit: { unit: day, requests_per_unit: 1 }
            """,
        ["wildcards.yaml"] = """
            domain: wildcards
            descriptors:
              - key: path
                value: /api/exact
                rate_limit: { unit: day, requests_per_unit: 5 }
              - key: path
                value: /api/*
                rate_limit: { unit: day, requests_per_unit: 1 }
              - key: path
                value: "*.png"
                share_threshold: true
                rate_limit: { unit: day, requests_per_unit: 2 }
            """,
        ["special.yaml"] = """
            domain: special
            descriptors:
              - key: unlimited
                rate_limit: { unlimited: true }
              - key: shadow
                shadow_mode: true
                rate_limit: { unit: day, requests_per_unit: 1 }
              - key: blocked
                rate_limit: { unit: day, requests_per_unit: 0 }
              - key: general
                rate_limit: { name: general, unit: day, requests_per_unit: 1 }
              - key: vip
                rate_limit:
                  unit: day
                  requests_per_unit: 100
                  replaces:
                    - name: general
            """,
        ["algorithms.yaml"] = """
            domain: algorithms
            descriptors:
              - key: default
                rate_limit: { unit: day, requests_per_unit: 2 }
              - key: fixed_window
                rate_limit: { unit: day, requests_per_unit: 2, algorithm: fixed_window }
              - key: sliding_window_counter
                rate_limit: { unit: day, requests_per_unit: 2, algorithm: sliding_window_counter }
              - key: sliding_window_log
                rate_limit: { unit: day, requests_per_unit: 2, algorithm: sliding_window_log }
              - key: token_bucket
                rate_limit: { unit: day, requests_per_unit: 2, algorithm: token_bucket }
              - key: gcra
                rate_limit: { unit: day, requests_per_unit: 2, algorithm: GCRA }
            """,
    };

    private RlsServer? _server;

    internal RlsServer Server => _server ?? throw new InvalidOperationException("The rate limit service did not start.");

    internal RlsClient Client => Server.Client;

    public async ValueTask InitializeAsync() =>
        _server = await RlsServer.StartAsync(Files, new() { ["Floodgate:Envoy:ResponseHeaders"] = "true" });

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>Envoy's rate limit service through real gRPC over HTTP/2, against the real service process.</summary>
public sealed class EnvoyRlsTests(EnvoyRlsServer fixture)
{
    private static string Unique() => Guid.NewGuid().ToString("N");

    /// <summary>Seconds from now to the next UTC midnight: where envoyproxy/ratelimit's day windows end.</summary>
    private static double SecondsToMidnight()
    {
        var now = DateTimeOffset.UtcNow;
        return (now.Date.AddDays(1) - now.UtcDateTime).TotalSeconds;
    }

    [Fact]
    public async Task ShouldRateLimit_AnswersEveryFieldOfTheResponse()
    {
        var client = Unique();

        var first = await fixture.Client.CallAsync("fields", [("client", client)]);

        Assert.Equal(Code.Ok, first.OverallCode);
        var status = Assert.Single(first.Statuses);
        Assert.Equal(Code.Ok, status.Code);
        Assert.Equal("per-client", status.CurrentLimit.Name);
        Assert.Equal(3u, status.CurrentLimit.RequestsPerUnit);
        Assert.Equal(Unit.Day, status.CurrentLimit.Unit);
        Assert.Equal(2u, status.LimitRemaining);
        Assert.InRange(status.DurationUntilReset.ToTimeSpan().TotalSeconds, SecondsToMidnight() - 5, SecondsToMidnight() + 1);
        Assert.Empty(first.RequestHeadersToAdd);
        var headers = first.ResponseHeadersToAdd.ToDictionary(h => h.Key, h => h.Value);
        Assert.Equal("3", headers["X-RateLimit-Limit"]);
        Assert.Equal("2", headers["X-RateLimit-Remaining"]);
        Assert.Equal(Math.Ceiling(status.DurationUntilReset.ToTimeSpan().TotalSeconds).ToString(CultureInfo.InvariantCulture), headers["X-RateLimit-Reset"]);

        await fixture.Client.CallAsync("fields", [("client", client)]);
        await fixture.Client.CallAsync("fields", [("client", client)]);
        var over = await fixture.Client.CallAsync("fields", [("client", client)]);

        Assert.Equal(Code.OverLimit, over.OverallCode);
        Assert.Equal(Code.OverLimit, over.Statuses[0].Code);
        Assert.Equal(0u, over.Statuses[0].LimitRemaining);
        Assert.Equal(3u, over.Statuses[0].CurrentLimit.RequestsPerUnit);
        Assert.InRange(over.Statuses[0].DurationUntilReset.ToTimeSpan().TotalSeconds, SecondsToMidnight() - 5, SecondsToMidnight() + 1);
        Assert.Equal("0", over.ResponseHeadersToAdd.Single(h => h.Key == "X-RateLimit-Remaining").Value);
    }

    [Fact]
    public async Task ShouldRateLimit_SpeaksEnvoysFieldNumbers()
    {
        // RlsRequest { domain = 1; descriptors = 2 { entries = 1 { key = 1; value = 2 } }; hits_addend = 3 }, by hand.
        var entry = Message(w => { w.WriteTag(1, WireFormat.WireType.LengthDelimited); w.WriteString("client"); w.WriteTag(2, WireFormat.WireType.LengthDelimited); w.WriteString(Unique()); });
        var descriptor = Message(w => { w.WriteTag(1, WireFormat.WireType.LengthDelimited); w.WriteBytes(ByteString.CopyFrom(entry)); });
        var request = Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteString("fields");
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteBytes(ByteString.CopyFrom(descriptor));
            w.WriteTag(3, WireFormat.WireType.Varint);
            w.WriteUInt32(2);
        });

        var response = Fields(await fixture.Client.CallRawAsync(request));

        Assert.Equal(1L, response[1].Single());                                      // overall_code = OK
        var status = Fields((ByteString)response[2].Single());                       // statuses
        Assert.Equal(1L, status[1].Single());                                        // code = OK
        var limit = Fields((ByteString)status[2].Single());                          // current_limit
        Assert.Equal(3L, limit[1].Single());                                         // requests_per_unit
        Assert.Equal(4L, limit[2].Single());                                         // unit = DAY
        Assert.Equal("per-client", ((ByteString)limit[3].Single()).ToStringUtf8());  // name
        Assert.Equal(1L, status[3].Single());                                        // limit_remaining, after hits_addend 2
        var reset = Fields((ByteString)status[4].Single());                          // duration_until_reset
        Assert.InRange((long)reset[1].Single(), 1, 86_400);                          // seconds
        var header = Fields((ByteString)response[3].First());                        // response_headers_to_add
        Assert.Equal("X-RateLimit-Limit", ((ByteString)header[1].Single()).ToStringUtf8());
        Assert.Equal("3", ((ByteString)header[2].Single()).ToStringUtf8());
    }

    [Fact]
    public async Task NestedDescriptors_LimitOnlyWhereTheLastEntryLandsOnALimit()
    {
        var user = Unique();
        var other = Unique();

        var acme = new[] { ("tenant", "acme"), ("user", user) };
        Assert.Equal([Code.Ok, Code.Ok, Code.OverLimit], [
            (await fixture.Client.CallAsync("nested", acme)).OverallCode,
            (await fixture.Client.CallAsync("nested", acme)).OverallCode,
            (await fixture.Client.CallAsync("nested", acme)).OverallCode]);

        // Another user of the same tenant has a count of its own.
        var otherUser = await fixture.Client.CallAsync("nested", [("tenant", "acme"), ("user", other)]);
        Assert.Equal((Code.Ok, 1u, 2u), (otherUser.OverallCode, otherUser.Statuses[0].LimitRemaining, otherUser.Statuses[0].CurrentLimit.RequestsPerUnit));

        // The tenant alone has no limit of its own; deeper than the configuration has none either.
        var tenantOnly = await fixture.Client.CallAsync("nested", [("tenant", "acme")]);
        Assert.Null(tenantOnly.Statuses[0].CurrentLimit);
        Assert.Equal(Code.Ok, tenantOnly.Statuses[0].Code);
        var tooDeep = await fixture.Client.CallAsync("nested", [("tenant", "acme"), ("user", user), ("path", "/")]);
        Assert.Equal(Code.Ok, tooDeep.OverallCode);
        Assert.Null(tooDeep.Statuses[0].CurrentLimit);

        // Any other tenant falls to the key-only descriptor, one count per value, which has no children.
        var tenant = Unique();
        Assert.Equal(1u, (await fixture.Client.CallAsync("nested", [("tenant", tenant)])).Statuses[0].CurrentLimit.RequestsPerUnit);
        Assert.Equal(Code.OverLimit, (await fixture.Client.CallAsync("nested", [("tenant", tenant)])).OverallCode);
        Assert.Equal(Code.Ok, (await fixture.Client.CallAsync("nested", [("tenant", Unique())])).OverallCode);
        Assert.Null((await fixture.Client.CallAsync("nested", [("tenant", tenant), ("user", user)])).Statuses[0].CurrentLimit);
    }

    [Fact]
    public async Task Wildcards_MatchAfterExactValues_EachValueCountedUnlessShared()
    {
        var a = "/api/" + Unique();
        var b = "/api/" + Unique();

        Assert.Equal(5u, (await fixture.Client.CallAsync("wildcards", [("path", "/api/exact")])).Statuses[0].CurrentLimit.RequestsPerUnit);
        Assert.Equal(Code.Ok, (await fixture.Client.CallAsync("wildcards", [("path", a)])).OverallCode);
        Assert.Equal(Code.OverLimit, (await fixture.Client.CallAsync("wildcards", [("path", a)])).OverallCode);
        Assert.Equal(Code.Ok, (await fixture.Client.CallAsync("wildcards", [("path", b)])).OverallCode);
        Assert.Null((await fixture.Client.CallAsync("wildcards", [("path", "/other")])).Statuses[0].CurrentLimit);

        // share_threshold: every value the wildcard matches shares one count. The test owns *.png, so it may spend it.
        var png = await fixture.Client.CallAsync("wildcards", [("path", Unique() + ".png")]);
        var remaining = png.Statuses[0].LimitRemaining;
        Assert.Equal(Code.Ok, png.OverallCode);
        Assert.Equal(1u, remaining);
        Assert.Equal(Code.Ok, (await fixture.Client.CallAsync("wildcards", [("path", Unique() + ".png")])).OverallCode);
        Assert.Equal(Code.OverLimit, (await fixture.Client.CallAsync("wildcards", [("path", Unique() + ".png")])).OverallCode);
    }

    [Fact]
    public async Task Unlimited_IsAlwaysOk_WithNoLimitAndAllRemaining()
    {
        var value = Unique();
        for (var i = 0; i < 5; i++)
        {
            var response = await fixture.Client.CallAsync("special", [("unlimited", value)]);
            Assert.Equal(Code.Ok, response.OverallCode);
            Assert.Equal(Code.Ok, response.Statuses[0].Code);
            Assert.Null(response.Statuses[0].CurrentLimit);
            Assert.Equal(uint.MaxValue, response.Statuses[0].LimitRemaining);
        }
    }

    [Fact]
    public async Task ShadowMode_CountsAndReports_ButAnswersOk()
    {
        var value = Unique();

        var first = await fixture.Client.CallAsync("special", [("shadow", value)]);
        var second = await fixture.Client.CallAsync("special", [("shadow", value)]);

        Assert.Equal((Code.Ok, 0u), (first.Statuses[0].Code, first.Statuses[0].LimitRemaining));
        Assert.Equal(Code.Ok, second.OverallCode);
        Assert.Equal(Code.Ok, second.Statuses[0].Code);
        Assert.Equal(0u, second.Statuses[0].LimitRemaining);
        Assert.Equal(1u, second.Statuses[0].CurrentLimit.RequestsPerUnit);
        await Poll.UntilAsync(
            () => fixture.Server.Process.Client.GetStringAsync("/metrics").Result.Split('\n').Any(line =>
                line.StartsWith("floodgate_rls_hits_total{", StringComparison.Ordinal)
                && line.Contains("floodgate_rls_domain=\"special\"", StringComparison.Ordinal)
                && line.Contains("floodgate_rls_descriptor=\"special.shadow\"", StringComparison.Ordinal)
                && line.Contains("floodgate_rls_outcome=\"shadow_mode\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10),
            "the shadow-mode hit in /metrics");
    }

    [Fact]
    public async Task ZeroPerUnit_AdmitsNothing_AndReplacedLimitsStepAside()
    {
        var blocked = await fixture.Client.CallAsync("special", [("blocked", Unique())]);
        Assert.Equal((Code.OverLimit, 0u), (blocked.OverallCode, blocked.Statuses[0].CurrentLimit.RequestsPerUnit));

        // general (1/day) alone is used up after one call; beside vip, which replaces it, it is not applied.
        var user = Unique();
        Assert.Equal(Code.Ok, (await fixture.Client.CallAsync("special", [("general", user)])).OverallCode);
        Assert.Equal(Code.OverLimit, (await fixture.Client.CallAsync("special", [("general", user)])).OverallCode);
        var both = await fixture.Client.CallAsync("special", [("general", user)], [("vip", user)]);
        Assert.Equal(Code.Ok, both.OverallCode);
        Assert.Null(both.Statuses[0].CurrentLimit);
        Assert.Equal(100u, both.Statuses[1].CurrentLimit.RequestsPerUnit);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("fixed_window")]
    [InlineData("sliding_window_counter")]
    [InlineData("sliding_window_log")]
    [InlineData("token_bucket")]
    [InlineData("gcra")]
    public async Task EachAlgorithm_AdmitsTheLimit_AndReportsItsOwnReset(string algorithm)
    {
        var value = Unique();

        var first = await fixture.Client.CallAsync("algorithms", [(algorithm, value)]);
        var second = await fixture.Client.CallAsync("algorithms", [(algorithm, value)]);
        var third = await fixture.Client.CallAsync("algorithms", [(algorithm, value)]);

        Assert.Equal((Code.Ok, 1u), (first.OverallCode, first.Statuses[0].LimitRemaining));
        Assert.Equal((Code.Ok, 0u), (second.OverallCode, second.Statuses[0].LimitRemaining));
        Assert.Equal((Code.OverLimit, 0u), (third.OverallCode, third.Statuses[0].LimitRemaining));

        // After one hit of 2/day: a fixed window resets at midnight UTC; a token bucket and GCRA have refilled the hit
        // in half a day; a sliding log forgets it a day later.
        var reset = first.Statuses[0].DurationUntilReset.ToTimeSpan().TotalSeconds;
        switch (algorithm)
        {
            case "default" or "fixed_window":
                Assert.InRange(reset, SecondsToMidnight() - 5, SecondsToMidnight() + 1);
                break;
            case "token_bucket" or "gcra":
                Assert.InRange(reset, 43_200 - 5, 43_200 + 1);
                break;
            case "sliding_window_log":
                Assert.InRange(reset, 86_400 - 5, 86_400 + 1);
                break;
            default:
                Assert.InRange(reset, 1, 2 * 86_400);
                break;
        }
    }

    [Fact]
    public async Task SeveralDescriptors_OverallOverLimitWhenAnyIs_AndTheOthersAreNotConsumed()
    {
        var client = Unique();
        var tenant = Unique();
        await fixture.Client.CallAsync("nested", [("tenant", tenant)]);

        var both = await fixture.Client.CallAsync(RlsClient.Request("nested", [("tenant", tenant)], [("tenant", "acme"), ("user", client)]));

        Assert.Equal(Code.OverLimit, both.OverallCode);
        Assert.Equal(Code.OverLimit, both.Statuses[0].Code);
        Assert.Equal((Code.Ok, 1u), (both.Statuses[1].Code, both.Statuses[1].LimitRemaining));
        Assert.Equal(1u, (await fixture.Client.CallAsync("nested", [("tenant", "acme"), ("user", client)])).Statuses[0].LimitRemaining);
    }

    [Fact]
    public async Task SameDescriptorTwice_CountsBothHits()
    {
        var client = Unique();

        var first = await fixture.Client.CallAsync("fields", [("client", client)], [("client", client)]);
        var second = await fixture.Client.CallAsync("fields", [("client", client)], [("client", client)]);

        Assert.All(first.Statuses, s => Assert.Equal((Code.Ok, 1u), (s.Code, s.LimitRemaining)));
        Assert.Equal(Code.OverLimit, second.OverallCode);
        Assert.All(second.Statuses, s => Assert.Equal(Code.OverLimit, s.Code));
        var last = await fixture.Client.CallAsync("fields", [("client", client)]);
        Assert.Equal((Code.Ok, 0u), (last.OverallCode, last.Statuses[0].LimitRemaining));
    }

    [Fact]
    public async Task UnknownDomain_IsOkWithNoLimit_ForEveryDescriptor()
    {
        var response = await fixture.Client.CallAsync("no-such-domain", [("client", "a")], [("client", "b")]);

        Assert.Equal(Code.Ok, response.OverallCode);
        Assert.Equal(2, response.Statuses.Count);
        Assert.All(response.Statuses, s => Assert.Equal((Code.Ok, null, 0u), (s.Code, s.CurrentLimit, s.LimitRemaining)));
        Assert.Empty(response.ResponseHeadersToAdd);
    }

    [Fact]
    public async Task EmptyDomainOrDescriptors_AreTheErrorsEnvoyproxyRatelimitReturns()
    {
        var noDescriptors = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CallAsync(new RlsRequest { Domain = "fields" }));
        var noDomain = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CallAsync(RlsClient.Request("", [("client", "a")])));

        Assert.Equal((StatusCode.Unknown, "rate limit descriptor list must not be empty"), (noDescriptors.StatusCode, noDescriptors.Status.Detail));
        Assert.Equal((StatusCode.Unknown, "rate limit domain must not be empty"), (noDomain.StatusCode, noDomain.Status.Detail));
    }

    [Fact]
    public async Task HugeHitsAddend_IsOverTheLimit_AndConsumesNothing()
    {
        var client = Unique();
        var huge = RlsClient.Request("fields", [("client", client)]);
        huge.HitsAddend = uint.MaxValue;

        var over = await fixture.Client.CallAsync(huge);
        var next = await fixture.Client.CallAsync("fields", [("client", client)]);

        Assert.Equal((Code.OverLimit, 0u), (over.OverallCode, over.Statuses[0].LimitRemaining));
        Assert.InRange(over.Statuses[0].DurationUntilReset.ToTimeSpan().TotalSeconds, 1, 86_400);
        Assert.Equal((Code.Ok, 2u), (next.OverallCode, next.Statuses[0].LimitRemaining));
    }

    [Fact]
    public async Task DescriptorHitsAddend_OverridesTheRequests_AndZeroOnlyLooks()
    {
        var client = Unique();
        var look = RlsClient.Request("fields", [("client", client)]);
        look.HitsAddend = 2;
        look.Descriptors[0].HitsAddend = 0;

        var looked = await fixture.Client.CallAsync(look);
        var counted = await fixture.Client.CallAsync("fields", [("client", client)]);

        Assert.Equal((Code.Ok, 3u), (looked.OverallCode, looked.Statuses[0].LimitRemaining));
        Assert.Equal(2u, counted.Statuses[0].LimitRemaining);
    }

    [Fact]
    public async Task LimitOverride_FromEnvoy_ReplacesTheConfiguredLimit()
    {
        var request = RlsClient.Request("fields", [("client", Unique())]);
        request.Descriptors[0].Limit = new() { RequestsPerUnit = 1, Unit = global::Envoy.Type.V3.RateLimitUnit.Hour };

        var first = await fixture.Client.CallAsync(request);
        var second = await fixture.Client.CallAsync(request);

        Assert.Equal((Code.Ok, 1u, Unit.Hour), (first.OverallCode, first.Statuses[0].CurrentLimit.RequestsPerUnit, first.Statuses[0].CurrentLimit.Unit));
        Assert.Equal(Code.OverLimit, second.OverallCode);
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(output);
        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>The fields of a message by number: varints as <see cref="long"/>, length-delimited as <see cref="ByteString"/>.</summary>
    private static Dictionary<int, List<object>> Fields(ByteString message) => Fields(message.ToByteArray());

    private static Dictionary<int, List<object>> Fields(byte[] message)
    {
        var fields = new Dictionary<int, List<object>>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            object value = WireFormat.GetTagWireType(tag) switch
            {
                WireFormat.WireType.Varint => (long)input.ReadUInt64(),
                WireFormat.WireType.LengthDelimited => input.ReadBytes(),
                var other => throw new InvalidOperationException($"Unexpected wire type {other}."),
            };
            var number = WireFormat.GetTagFieldNumber(tag);
            if (!fields.TryGetValue(number, out var values))
            {
                fields[number] = values = [];
            }

            values.Add(value);
        }

        return fields;
    }
}
