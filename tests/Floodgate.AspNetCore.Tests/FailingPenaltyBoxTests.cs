using System.Net;
using Floodgate.Penalties;

namespace Floodgate.AspNetCore.Tests;

/// <summary>A penalty box that throws (a Redis script error, a bug) never turns a request into a 500.</summary>
public sealed class FailingPenaltyBoxTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThrowingPenaltyBox_LetsTheRequestGoOn_AndTheLimitStillHolds()
    {
        await using var host = await TestHost.StartAsync(
            new() { ["Floodgate:DefaultLimit"] = "2/minute" },
            services: s => s.AddSingleton<IPenaltyBox, ThrowingPenaltyBox>());
        var client = host.Client("127.0.0.2");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/api/data", Token);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    private sealed class ThrowingPenaltyBox : IPenaltyBox
    {
        public event Action<BanRecord>? Banned { add { } remove { } }

        public event Action<string>? Unbanned { add { } remove { } }

        public ValueTask<BanRecord?> GetBanAsync(string clientId, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<BanRecord?>(new InvalidOperationException("ERR user_script:1: a script error"));

        public ValueTask<BanRecord?> RecordViolationAsync(string clientId, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("ERR user_script:1: a script error");

        public ValueTask<BanRecord> BanAsync(string clientId, TimeSpan duration, string reason, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public ValueTask<bool> UnbanAsync(string clientId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<BanRecord>> ListBansAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<BanRecord>>([]);
    }
}
