using System.Net;
using Floodgate.AspNetCore.Replay;
using Floodgate.Storage;
using Floodgate.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.AspNetCore.Tests.Replay;

public sealed class ReplayEngineTests
{
    private static readonly long Start = TraceRecord.ToTimestamp(RateLimitStoreContract.Start);
    private const long Second = 1_000_000;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Replay_TraceRecordedThroughTheMiddleware_SamePolicies_ReproducesEveryDecision()
    {
        // Arrange: a real server (fake clock) with rules of several algorithms, costs, tiers, an endpoint-scoped rule,
        // the global and per-endpoint layers and an exempt path; every request's decision is recorded as it was made.
        var trace = new List<TraceRecord>();
        await using var host = await TestHost.StartAsync(
            new()
            {
                ["Floodgate:DefaultLimit"] = "8/10s;30/minute",
                ["Floodgate:Tiers:Limits:gold"] = "20/10s",
                ["Floodgate:Global:Limit"] = "200/minute",
                ["Floodgate:Endpoint:Limit"] = "50/minute",
                ["Floodgate:Rules:0:Name"] = "submit",
                ["Floodgate:Rules:0:Path"] = "/api/submit",
                ["Floodgate:Rules:0:Methods:0"] = "POST",
                ["Floodgate:Rules:0:Limit"] = "6/10s",
                ["Floodgate:Rules:0:Algorithm"] = "FixedWindow",
                ["Floodgate:Rules:0:Cost"] = "2",
                ["Floodgate:Rules:1:Name"] = "other",
                ["Floodgate:Rules:1:Path"] = "/api/other",
                ["Floodgate:Rules:1:Scope"] = "Endpoint",
                ["Floodgate:Rules:1:Limit"] = "12/10s",
                ["Floodgate:Rules:1:Algorithm"] = "SlidingWindowLog",
                ["Floodgate:Rules:2:Name"] = "data",
                ["Floodgate:Rules:2:Path"] = "/api/data",
                ["Floodgate:Rules:2:Limit"] = "1/second",
                ["Floodgate:Rules:2:Algorithm"] = "TokenBucket",
                ["Floodgate:Rules:2:Burst"] = "4",
            },
            services: s => s.AddSingleton<IStartupFilter>(new Recorder(trace)));

        var clients = Enumerable.Range(2, 5).Select(i => host.Client($"127.0.0.{i}")).ToArray();
        var random = new Random(1234);
        var requests = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, "/api/data"), (HttpMethod.Get, "/api/other"), (HttpMethod.Post, "/api/submit"),
            (HttpMethod.Get, "/internal/ping"), (HttpMethod.Get, "/health"),
        };

        // Act: 1,200 requests, a few milliseconds to a few seconds apart; one client a gold-tier user.
        for (var i = 0; i < 1_200; i++)
        {
            host.Time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 400)));
            var who = random.Next(clients.Length + 1);
            var (method, path) = requests[random.Next(requests.Length)];
            using var request = new HttpRequestMessage(method, path);
            var client = clients[Math.Min(who, clients.Length - 1)];
            if (who == clients.Length)
            {
                request.Headers.Add("X-Test-User", "gold-user");
                request.Headers.Add("X-Test-Tier", "gold");
            }

            using var response = await client.SendAsync(request, Token);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"{response.StatusCode}");
        }

        var engine = ReplayEngine.Create(host.Get<IOptions<FloodgateOptions>>().Value);
        var run = engine.Start();
        var disagreements = trace.Count(record => run.Add(record) != record.Admitted);
        var report = run.GetReport();

        // Assert: the server denied a good share, and the replay decided every request as the server did.
        Assert.Equal(1_200, trace.Count);
        Assert.Equal(0, disagreements);
        Assert.Equal(0, report.Total.Changed);
        Assert.Equal(trace.Count(r => !r.Admitted), report.Total.Denied);
        Assert.InRange(report.Total.Denied, 100, 1_000);
        Assert.Equal(["submit", "other", "data", "default", ReplayEngine.ExemptName], report.Policies.Select(p => p.Name));
        Assert.All(report.Policies, p => Assert.True(p.Tally.Requests > 100, p.ToString()));
        Assert.Contains(report.Clients, c => c.Name.StartsWith("user:", StringComparison.Ordinal));
        Assert.Equal(0, report.OutOfOrder);
    }

    [Theory]
    [InlineData(RateLimitAlgorithm.SlidingWindowCounter)]
    [InlineData(RateLimitAlgorithm.SlidingWindowLog)]
    [InlineData(RateLimitAlgorithm.TokenBucket)]
    [InlineData(RateLimitAlgorithm.FixedWindow)]
    [InlineData(RateLimitAlgorithm.Gcra)]
    public void Replay_TraceDecidedByTheInMemoryStore_SameLimits_ReproducesEveryDecision(RateLimitAlgorithm algorithm)
    {
        // Arrange: 200 clients at rates from a tenth to four times a 60/minute;1000/hour limit, decided by the real store
        // on a fake clock advanced to each request's time, all limits of a request at once as the middleware asks.
        var time = new FakeTimeProvider(RateLimitStoreContract.Start);
        using var store = new InMemoryRateLimitStore(timeProvider: time);
        var limits = new[] { RateLimit.Parse("60/minute").WithAlgorithm(algorithm), RateLimit.Parse("1000/hour").WithAlgorithm(algorithm) };
        var trace = PoissonTrace(clients: 200, minutes: 20, limitPerMinute: 60, seed: 7);
        var requests = new RateLimitRequest[2];
        var decisions = new RateLimitDecision[2];
        for (var i = 0; i < trace.Length; i++)
        {
            time.SetUtcNow(trace[i].Time);
            requests[0] = new RateLimitRequest(trace[i].Client, limits[0]);
            requests[1] = new RateLimitRequest(trace[i].Client, limits[1]);
            trace[i] = trace[i] with { Admitted = store.AcquireAll(requests, decisions).IsAllowed };
        }

        var engine = ReplayEngine.Create(new FloodgateOptions { DefaultLimit = "60/minute;1000/hour", Algorithm = algorithm, Penalty = { Enabled = false } });

        // Act
        var report = engine.Replay(trace);

        // Assert
        Assert.Equal(trace.Length, report.Total.Requests);
        Assert.Equal(0, report.Total.Changed);
        Assert.True(report.Total.Denied > trace.Length / 10, $"{report.Total}");
    }

    [Fact]
    public void Replay_StricterCandidate_CountsTheNewlyDeniedPerClientEndpointAndPolicy()
    {
        // Arrange: for ten minutes, client a sends one request a second and client b one every four seconds (15 a
        // minute), all admitted. A fixed window of 30 a minute admits a's first 30 of each minute (300 newly denied of
        // 600) and all of b's.
        var trace = new List<TraceRecord>();
        for (long s = 0; s < 600; s++)
        {
            trace.Add(new TraceRecord(Start + (s * Second), "a", "GET", "/api/items/" + s, Admitted: true, Endpoint: "GET /api/items/{id}"));
            if (s % 4 == 0)
            {
                trace.Add(new TraceRecord(Start + (s * Second) + 500_000, "b", "GET", "/api/data", Admitted: true));
            }
        }

        var engine = ReplayEngine.Create(new FloodgateOptions { Penalty = { Enabled = false } }, [new RuleOptions { Name = "strict", Path = "/api/**", Limit = "30/minute", Algorithm = RateLimitAlgorithm.FixedWindow }]);

        // Act
        var report = engine.Replay(trace, top: 1);

        // Assert
        Assert.Equal(new ReplayTally(750, 450, 300, 0), report.Total);
        Assert.Equal(new ReplayGroup("strict", new ReplayTally(750, 450, 300, 0)), Assert.Single(report.Policies));
        Assert.Equal(new ReplayGroup("a", new ReplayTally(600, 300, 300, 0)), Assert.Single(report.Clients));
        Assert.Equal(new ReplayGroup("GET /api/items/{id}", new ReplayTally(600, 300, 300, 0)), Assert.Single(report.Endpoints));
        Assert.Equal(2, report.ClientCount);
        Assert.Equal(2, report.EndpointCount);
        Assert.Equal(750, report.Total.ActuallyAdmitted);
    }

    [Fact]
    public void Replay_CandidateDenials_EarnBansThatDenyTheRest()
    {
        // Arrange: one request a second for ten minutes, all admitted. Under 30 a minute (fixed window) with the default
        // penalties (5 violations within 5 minutes ban for 15 minutes), the 5th denial, at second 34, bans the client
        // past the trace's end: 30 admitted.
        var trace = Enumerable.Range(0, 600).Select(s => new TraceRecord(Start + (s * Second), "a", "GET", "/api/data", Admitted: true)).ToArray();
        var options = new FloodgateOptions { DefaultLimit = "30/minute FixedWindow" };

        // Act
        var report = ReplayEngine.Create(options).Replay(trace);

        // Assert
        Assert.Equal(new ReplayTally(600, 30, 570, 0), report.Total);
    }

    [Fact]
    public void Replay_LooserCandidate_CountsTheNewlyAdmitted_AndExemptPathsAreAdmitted()
    {
        // Arrange: one request a second for ten minutes, of which 30 a minute were admitted; and health checks, exempt,
        // recorded as admitted.
        var trace = new List<TraceRecord>();
        for (long s = 0; s < 600; s++)
        {
            trace.Add(new TraceRecord(Start + (s * Second), "a", "GET", "/api/data", Admitted: s % 60 < 30));
            trace.Add(new TraceRecord(Start + (s * Second), "probe", "GET", "/health", Admitted: true));
        }

        var engine = ReplayEngine.Create(new FloodgateOptions { DefaultLimit = "100/minute" });

        // Act
        var report = engine.Replay(trace);

        // Assert
        Assert.Equal(new ReplayTally(600, 600, 0, 300), report.Policies.Single(p => p.Name == "default").Tally);
        Assert.Equal(new ReplayTally(600, 600, 0, 0), report.Policies.Single(p => p.Name == ReplayEngine.ExemptName).Tally);
        Assert.Equal("a", report.Clients[0].Name);
    }

    [Fact]
    public void Replay_PoliciesComeAheadOfConfiguredRules_AndTiersGetTheirLimits()
    {
        // Arrange: twenty requests at once from a free and a gold client.
        var options = new FloodgateOptions
        {
            DefaultLimit = "5/minute",
            Rules = [new RuleOptions { Name = "configured", Path = "/api/**", Limit = "1/minute" }],
        };
        var candidate = new RuleOptions { Name = "candidate", Path = "/api/**", Limit = "2/minute", Tiers = new() { ["gold"] = "10/minute" } };
        var trace = Enumerable.Range(0, 20).SelectMany(_ => new[]
        {
            new TraceRecord(Start, "free", "GET", "/api/data", Admitted: true),
            new TraceRecord(Start, "rich", "GET", "/api/data", Admitted: true, Tier: "gold"),
        }).ToArray();

        // Act
        var withCandidate = ReplayEngine.Create(options, [candidate]).Replay(trace);
        var configuredOnly = ReplayEngine.Create(options).Replay(trace);

        // Assert
        Assert.Equal(12, withCandidate.Total.Admitted);
        Assert.Equal(["candidate"], withCandidate.Policies.Select(p => p.Name));
        Assert.Equal(2, configuredOnly.Total.Admitted);
    }

    [Fact]
    public void Replay_CostAndLayers_AreAllOrNothing()
    {
        // Arrange: a global layer of 10 a minute; client a's policy costs 3 of 6 a minute, so its third request is denied
        // and must not take from the global layer, which then admits b's eight.
        var options = new FloodgateOptions
        {
            DefaultLimit = "100/minute",
            Global = { Limit = "10/minute" },
            Rules = [new RuleOptions { Name = "costly", Path = "/costly", Limit = "6/minute", Cost = 3 }],
        };
        var trace = new[] { "a", "a", "a" }.Select(c => new TraceRecord(Start, c, "GET", "/costly", true))
            .Concat(Enumerable.Range(0, 9).Select(_ => new TraceRecord(Start, "b", "GET", "/cheap", true)))
            .ToArray();

        // Act
        var report = ReplayEngine.Create(options).Replay(trace);

        // Assert
        Assert.Equal(new ReplayTally(3, 2, 1, 0), report.Policies.Single(p => p.Name == "costly").Tally);
        Assert.Equal(new ReplayTally(9, 8, 1, 0), report.Policies.Single(p => p.Name == "default").Tally);
    }

    [Fact]
    public void TryCreate_PolicyThatDoesNotCompile_NamesIt()
    {
        var ok = ReplayEngine.TryCreate(new FloodgateOptions(), [new RuleOptions { Name = "bad", Path = "api", Limit = "ten/minute" }], out var engine, out var errors);

        Assert.False(ok);
        Assert.Null(engine);
        Assert.Contains(errors, e => e.StartsWith("policy 'bad':Path", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("policy 'bad':Limit", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => ReplayEngine.Create(new FloodgateOptions { DefaultLimit = "0/minute" }));
    }

    [Fact]
    public void TraceRecord_IsCompact()
    {
        Assert.Equal(56, System.Runtime.CompilerServices.Unsafe.SizeOf<TraceRecord>());
        Assert.Equal(RateLimitStoreContract.Start, new TraceRecord(Start, "a", "GET", "/", true).Time);
    }

    [Fact]
    public void Replay_OutOfOrderRecords_AreCounted()
    {
        var trace = new[]
        {
            new TraceRecord(Start + Second, "a", "GET", "/", true),
            new TraceRecord(Start, "a", "GET", "/", true),
            new TraceRecord(Start + (2 * Second), "a", "GET", "/", true),
        };

        Assert.Equal(1, ReplayEngine.Create(new FloodgateOptions()).Replay(trace).OutOfOrder);
    }

    /// <summary>Clients as Poisson sources at 0.1 to 4 times the limit, in time order; every record admitted until decided.</summary>
    private static TraceRecord[] PoissonTrace(int clients, int minutes, int limitPerMinute, int seed)
    {
        var random = new Random(seed);
        var records = new List<TraceRecord>();
        for (var c = 0; c < clients; c++)
        {
            var perSecond = limitPerMinute / 60.0 * (0.1 + (3.9 * random.NextDouble()));
            var name = $"ip:10.0.{c / 256}.{c % 256}";
            for (var t = Start + (long)(-Math.Log(1 - random.NextDouble()) / perSecond * Second); t < Start + (minutes * 60 * Second); t += 1 + (long)(-Math.Log(1 - random.NextDouble()) / perSecond * Second))
            {
                records.Add(new TraceRecord(t, name, "GET", "/api/data", Admitted: true));
            }
        }

        return [.. records.OrderBy(r => r.Timestamp)];
    }

    /// <summary>Records what Floodgate decided for every request (or an exempt one as admitted), at the start of the pipeline.</summary>
    private sealed class Recorder(List<TraceRecord> trace) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var time = app.ApplicationServices.GetRequiredService<TimeProvider>();
            app.Use(async (context, inner) =>
            {
                await inner(context);
                var feature = context.Features.Get<IRateLimitFeature>();
                var route = context.GetEndpoint() is RouteEndpoint endpoint ? context.Request.Method + " " + endpoint.RoutePattern.RawText : null;
                lock (trace)
                {
                    trace.Add(new TraceRecord(
                        TraceRecord.ToTimestamp(time.GetUtcNow()),
                        feature?.Client.Id ?? "unknown",
                        context.Request.Method,
                        context.Request.Path.Value ?? "/",
                        feature?.Decision.IsAllowed ?? true,
                        feature?.Tier,
                        Endpoint: route));
                }
            });
            next(app);
        };
    }
}
