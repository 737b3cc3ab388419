using System.Net;
using Floodgate.AspNetCore.Identification;
using Floodgate.Penalties;
using Floodgate.Storage;
using Microsoft.AspNetCore.Http;

namespace Floodgate.AspNetCore.Tests;

/// <summary>
/// A store whose answers come later, as a remote store's do: the middleware awaits the answer itself, then finishes the
/// decision (denial, penalty, headers) as for a store that answers at once; a store that fails, at once or later, never
/// turns a request into a 500. The steps before the layers may answer later too.
/// </summary>
public sealed class RemoteStoreTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnswersThatComeLater_LimitAsAnswersAtOnceDo()
    {
        await using var host = await TestHost.StartAsync(
            new() { ["Floodgate:DefaultLimit"] = "2/minute" },
            services: s => s.AddSingleton<IRateLimitStore>(sp => new LaterStore(new InMemoryRateLimitStore(timeProvider: sp.GetRequiredService<TimeProvider>()), Failure.None)));
        var client = host.Client("127.0.0.2");

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            responses.Add(await client.GetAsync("/api/data", Token));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], responses.Select(r => r.StatusCode));
        Assert.Equal("0", responses[1].Headers.GetValues("X-RateLimit-Remaining").Single());
        Assert.Equal("application/problem+json", responses[2].Content.Headers.ContentType?.MediaType);
        Assert.True(responses[2].Headers.Contains("Retry-After"));
        responses.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task StepsThatAnswerLater_LimitAsStepsThatAnswerAtOnce()
    {
        await using var host = await TestHost.StartAsync(
            new() { ["Floodgate:DefaultLimit"] = "2/minute" },
            services: s =>
            {
                s.AddSingleton<IRateLimitStore>(sp => new LaterStore(new InMemoryRateLimitStore(timeProvider: sp.GetRequiredService<TimeProvider>()), Failure.None));
                s.AddSingleton<IPenaltyBox>(sp => new LaterPenaltyBox(new InMemoryPenaltyBox(new PenaltyOptions(), sp.GetRequiredService<TimeProvider>())));
            },
            floodgate: f => f.AddTierResolver<LaterTierResolver>());
        var client = host.Client("127.0.0.4");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/api/data", Token);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Theory]
    [InlineData(Failure.AtOnce)]
    [InlineData(Failure.Later)]
    public async Task StoreThatFails_LetsTheRequestGoOn(Failure failure)
    {
        await using var host = await TestHost.StartAsync(
            new() { ["Floodgate:DefaultLimit"] = "1/minute" },
            services: s => s.AddSingleton<IRateLimitStore>(sp => new LaterStore(new InMemoryRateLimitStore(timeProvider: sp.GetRequiredService<TimeProvider>()), failure)));
        var client = host.Client("127.0.0.3");

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/api/data", Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    public enum Failure
    {
        None,
        AtOnce,
        Later,
    }

    /// <summary>No tier, said after a yield.</summary>
    private sealed class LaterTierResolver : IClientTierResolver
    {
        public async ValueTask<string?> ResolveTierAsync(HttpContext context, ClientIdentity client)
        {
            await Task.Yield();
            return null;
        }
    }

    /// <summary>The in-memory box, whose ban checks answer after a yield.</summary>
    private sealed class LaterPenaltyBox(InMemoryPenaltyBox inner) : IPenaltyBox
    {
        public event Action<BanRecord>? Banned { add => inner.Banned += value; remove => inner.Banned -= value; }

        public event Action<string>? Unbanned { add => inner.Unbanned += value; remove => inner.Unbanned -= value; }

        public async ValueTask<BanRecord?> GetBanAsync(string clientId, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return await inner.GetBanAsync(clientId, cancellationToken);
        }

        public ValueTask<BanRecord?> RecordViolationAsync(string clientId, CancellationToken cancellationToken = default) => inner.RecordViolationAsync(clientId, cancellationToken);

        public ValueTask<BanRecord> BanAsync(string clientId, TimeSpan duration, string reason, CancellationToken cancellationToken = default) => inner.BanAsync(clientId, duration, reason, cancellationToken);

        public ValueTask<bool> UnbanAsync(string clientId, CancellationToken cancellationToken = default) => inner.UnbanAsync(clientId, cancellationToken);

        public ValueTask<IReadOnlyList<BanRecord>> ListBansAsync(CancellationToken cancellationToken = default) => inner.ListBansAsync(cancellationToken);
    }

    /// <summary>The in-memory store's answers, given after a yield (or a failure instead, at once or after the yield).</summary>
    private sealed class LaterStore(InMemoryRateLimitStore inner, Failure failure) : RateLimitStore
    {
        protected override ValueTask<RateLimitDecision> AcquireCoreAsync(string key, RateLimit limit, long cost, CancellationToken cancellationToken) =>
            LaterAsync(() => inner.AcquireAsync(key, limit, cost, cancellationToken));

        protected override ValueTask<RateLimitDecision> AcquireAllCoreAsync(ReadOnlyMemory<RateLimitRequest> requests, Memory<RateLimitDecision> decisions, CancellationToken cancellationToken) =>
            LaterAsync(() => inner.AcquireAllAsync(requests, decisions, cancellationToken));

        protected override ValueTask<RateLimitDecision> PeekCoreAsync(string key, RateLimit limit, CancellationToken cancellationToken) =>
            inner.PeekAsync(key, limit, cancellationToken);

        protected override ValueTask ResetCoreAsync(string key, RateLimit limit, CancellationToken cancellationToken) =>
            inner.ResetAsync(key, limit, cancellationToken);

        private ValueTask<RateLimitDecision> LaterAsync(Func<ValueTask<RateLimitDecision>> decide) => failure == Failure.AtOnce
            ? throw new InvalidOperationException("ERR user_script:1: a script error")
            : AnswerLaterAsync(decide);

        private async ValueTask<RateLimitDecision> AnswerLaterAsync(Func<ValueTask<RateLimitDecision>> decide)
        {
            await Task.Yield();
            return failure == Failure.Later
                ? throw new InvalidOperationException("ERR user_script:1: a script error")
                : await decide();
        }
    }
}
