using Envoy.Extensions.Common.RateLimit.V3;
using Envoy.Service.RateLimit.V3;
using RlsRequest = Envoy.Service.RateLimit.V3.RateLimitRequest;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Floodgate.Server.Tests;

/// <summary>
/// A gRPC client of Envoy's rate limit service over HTTP/2 (Grpc.Net.Client), calling the method by the full name Envoy
/// calls it by, so that a service registered under another name would fail here as it would behind Envoy.
/// </summary>
internal sealed class RlsClient : IDisposable
{
    public const string MethodName = "/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit";

    private static readonly Method<RlsRequest, RateLimitResponse> s_method = new(
        MethodType.Unary,
        "envoy.service.ratelimit.v3.RateLimitService",
        "ShouldRateLimit",
        Marshallers.Create(r => r.ToByteArray(), RlsRequest.Parser.ParseFrom),
        Marshallers.Create(r => r.ToByteArray(), RateLimitResponse.Parser.ParseFrom));

    private static readonly Method<byte[], byte[]> s_raw = new(
        MethodType.Unary,
        "envoy.service.ratelimit.v3.RateLimitService",
        "ShouldRateLimit",
        Marshallers.Create(b => b, b => b),
        Marshallers.Create(b => b, b => b));

    private readonly GrpcChannel _channel;

    public RlsClient(int port)
    {
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
    }

    public async Task<RateLimitResponse> CallAsync(RlsRequest request) =>
        await _channel.CreateCallInvoker().AsyncUnaryCall(s_method, null, new CallOptions(cancellationToken: TestContext.Current.CancellationToken), request);

    /// <summary>Sends bytes encoded by hand and returns the bytes of the answer.</summary>
    public async Task<byte[]> CallRawAsync(byte[] request) =>
        await _channel.CreateCallInvoker().AsyncUnaryCall(s_raw, null, new CallOptions(cancellationToken: TestContext.Current.CancellationToken), request);

    /// <summary>A request for <paramref name="domain"/> with one descriptor per array of (key, value) pairs.</summary>
    public Task<RateLimitResponse> CallAsync(string domain, params (string Key, string Value)[][] descriptors) =>
        CallAsync(Request(domain, descriptors));

    public static RlsRequest Request(string domain, params (string Key, string Value)[][] descriptors)
    {
        var request = new RlsRequest { Domain = domain };
        foreach (var entries in descriptors)
        {
            request.Descriptors.Add(Descriptor(entries));
        }

        return request;
    }

    public static RateLimitDescriptor Descriptor(params (string Key, string Value)[] entries)
    {
        var descriptor = new RateLimitDescriptor();
        foreach (var (key, value) in entries)
        {
            descriptor.Entries.Add(new RateLimitDescriptor.Types.Entry { Key = key, Value = value });
        }

        return descriptor;
    }

    public void Dispose() => _channel.Dispose();
}
