using System.Net;

namespace Floodgate.Server.Tests;

/// <summary>
/// Sends a bounded number of requests to a real service as fast as a set of machines (127.1.x.y source addresses,
/// each with its own keep-alive connections) can, and counts how they were answered.
/// </summary>
internal static class Flood
{
    /// <summary>A request as <paramref name="apiKey"/> (its X-API-Key), or as the machine's address alone when null.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, string? apiKey)
    {
        var request = new HttpRequestMessage(method, path);
        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation("X-API-Key", apiKey);
        }

        return request;
    }

    /// <summary>
    /// Sends requests 0 to <paramref name="requests"/> - 1, each built by <paramref name="build"/>, from
    /// <paramref name="machines"/> machines with <paramref name="connectionsPerMachine"/> connections each.
    /// </summary>
    public static async Task<FloodResult> RunAsync(ServerProcess server, int machines, int connectionsPerMachine, int requests, Func<int, HttpRequestMessage> build)
    {
        var clients = Enumerable.Range(0, machines).Select(m => Machine.Client(server, $"127.1.{m / 250}.{(m % 250) + 1}", connectionsPerMachine)).ToList();
        var next = -1;
        long answered = 0, dropped = 0, serverErrors = 0;
        var statuses = new int[600];
        try
        {
            await Task.WhenAll(clients.SelectMany(client => Enumerable.Range(0, connectionsPerMachine).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < requests; i = Interlocked.Increment(ref next))
                {
                    using var request = build(i);
                    try
                    {
                        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, TestContext.Current.CancellationToken);
                        var status = (int)response.StatusCode;
                        Interlocked.Increment(ref statuses[Math.Clamp(status, 0, statuses.Length - 1)]);
                        Interlocked.Increment(ref answered);
                        if (status >= 500)
                        {
                            Interlocked.Increment(ref serverErrors);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // The connection was closed or reset before the whole answer came.
                        Interlocked.Increment(ref dropped);
                    }
                }
            }))));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        var counts = new Dictionary<int, long>();
        for (var s = 0; s < statuses.Length; s++)
        {
            if (statuses[s] > 0)
            {
                counts[s] = statuses[s];
            }
        }

        return new FloodResult(answered, dropped, serverErrors, counts);
    }
}

/// <summary>How a flood was answered: requests answered, connections dropped mid-request, 5xx answers, and the count per status.</summary>
internal sealed record FloodResult(long Answered, long Dropped, long ServerErrors, Dictionary<int, long> Statuses)
{
    public override string ToString() =>
        $"answered {Answered}, dropped {Dropped}, 5xx {ServerErrors}; " + string.Join(", ", Statuses.Select(kv => $"{kv.Key}: {kv.Value}"));
}
