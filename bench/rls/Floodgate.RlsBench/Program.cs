using System.Diagnostics;
using System.Globalization;
using Envoy.Extensions.Common.RateLimit.V3;
using Envoy.Service.RateLimit.V3;
using Floodgate.RedisBench;
using Grpc.Net.Client;

// ShouldRateLimit from many concurrent callers (closed loop) over a few HTTP/2 connections, as Envoy's workers call it.
// Prints one tab-separated line: label, calls/s, p50 ms, p99 ms, p99.9 ms, OK, OVER_LIMIT, errors.
//
//   Floodgate.RlsBench --target 127.0.0.1:8081 --callers 64 --connections 2 --warmup 2 --duration 10 \
//       --domain bench --key remote_address --values 10000 --label memory
var options = Arguments.Parse(args);
var channels = Enumerable.Range(0, options.Connections)
    .Select(_ => GrpcChannel.ForAddress("http://" + options.Target, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
    }))
    .ToArray();
var clients = channels.Select(c => new RateLimitService.RateLimitServiceClient(c)).ToArray();

// The requests, built once: one descriptor (key, value) per request, as Envoy's remote_address action sends.
var requests = Enumerable.Range(0, options.Values).Select(i =>
{
    var descriptor = new RateLimitDescriptor();
    descriptor.Entries.Add(new RateLimitDescriptor.Types.Entry { Key = options.Key, Value = "10.0." + (i / 256).ToString(CultureInfo.InvariantCulture) + "." + (i % 256).ToString(CultureInfo.InvariantCulture) });
    var request = new RateLimitRequest { Domain = options.Domain };
    request.Descriptors.Add(descriptor);
    return request;
}).ToArray();

// Every connection up before the clock starts.
foreach (var client in clients)
{
    await client.ShouldRateLimitAsync(requests[0]);
}

var warmupEnd = Stopwatch.GetTimestamp() + (long)(options.Warmup * Stopwatch.Frequency);
var end = warmupEnd + (long)(options.Duration * Stopwatch.Frequency);
var results = await Task.WhenAll(Enumerable.Range(0, options.Callers).Select(caller => Task.Run(async () =>
{
    var result = new CallerResult();
    var client = clients[caller % clients.Length];
    var next = caller * 7919 % requests.Length;
    while (true)
    {
        var start = Stopwatch.GetTimestamp();
        if (start >= end)
        {
            return result;
        }

        var request = requests[next];
        next = next + 1 == requests.Length ? 0 : next + 1;
        try
        {
            var response = await client.ShouldRateLimitAsync(request);
            var stop = Stopwatch.GetTimestamp();
            if (start >= warmupEnd)
            {
                result.Histogram.Record(stop - start);
                if (response.OverallCode == RateLimitResponse.Types.Code.OverLimit)
                {
                    result.OverLimit++;
                }
                else
                {
                    result.Ok++;
                }
            }
        }
        catch (Grpc.Core.RpcException)
        {
            if (start >= warmupEnd)
            {
                result.Errors++;
            }
        }
    }
})));

var histogram = new LatencyHistogram();
long ok = 0, over = 0, errors = 0;
foreach (var result in results)
{
    histogram.Add(result.Histogram);
    ok += result.Ok;
    over += result.OverLimit;
    errors += result.Errors;
}

static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture);
Console.WriteLine(string.Join('\t',
    options.Label,
    ((ok + over) / options.Duration).ToString("F0", CultureInfo.InvariantCulture),
    Ms(histogram.Percentile(50)),
    Ms(histogram.Percentile(99)),
    Ms(histogram.Percentile(99.9)),
    ok.ToString(CultureInfo.InvariantCulture),
    over.ToString(CultureInfo.InvariantCulture),
    errors.ToString(CultureInfo.InvariantCulture)));
foreach (var channel in channels)
{
    channel.Dispose();
}

internal sealed class CallerResult
{
    public LatencyHistogram Histogram { get; } = new();

    public long Ok { get; set; }

    public long OverLimit { get; set; }

    public long Errors { get; set; }
}

internal sealed record Arguments(string Target, int Callers, int Connections, double Warmup, double Duration, string Domain, string Key, int Values, string Label)
{
    public static Arguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);
        var parsed = new Arguments(
            Get("target", "127.0.0.1:8081"),
            int.Parse(Get("callers", "64"), CultureInfo.InvariantCulture),
            int.Parse(Get("connections", "2"), CultureInfo.InvariantCulture),
            double.Parse(Get("warmup", "2"), CultureInfo.InvariantCulture),
            double.Parse(Get("duration", "10"), CultureInfo.InvariantCulture),
            Get("domain", "bench"),
            Get("key", "remote_address"),
            int.Parse(Get("values", "10000"), CultureInfo.InvariantCulture),
            Get("label", "run"));
        if (parsed.Callers < 1 || parsed.Connections < 1 || parsed.Values < 1 || parsed.Duration <= 0 || parsed.Duration > 300 || parsed.Warmup < 0)
        {
            throw new ArgumentException("callers, connections and values must be positive; duration between 0 and 300 s.");
        }

        return parsed;
    }
}
