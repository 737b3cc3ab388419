using System.Net;

namespace Floodgate.Load.Scenarios;

/// <summary>What every request of a run looks like; only the identity header and the body vary, by sequence number.</summary>
internal sealed class RequestShape
{
    private readonly KeyValuePair<string, string>[] _headers;
    private readonly KeyValuePair<string, string>[] _contentHeaders;
    private readonly byte[][] _bodies;

    public RequestShape(
        HttpMethod method,
        Uri url,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        IReadOnlyList<KeyValuePair<string, string>> contentHeaders,
        IReadOnlyList<byte[]> bodies,
        ClientIdentities identities)
    {
        Method = method;
        Url = url;
        _headers = [.. headers];
        _contentHeaders = [.. contentHeaders];
        _bodies = [.. bodies];
        Identities = identities;
    }

    public HttpMethod Method { get; }

    public Uri Url { get; }

    public ClientIdentities Identities { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    public bool HasBody => _bodies.Length > 0;

    public HttpRequestMessage Create(long sequence)
    {
        var request = new HttpRequestMessage(Method, Url)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        foreach (var (name, value) in _headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (Identities.HeaderName is { } identityHeader)
        {
            request.Headers.TryAddWithoutValidation(identityHeader, Identities.ValueFor(sequence));
        }

        if (_bodies.Length > 0)
        {
            var content = new ByteArrayContent(_bodies[sequence % _bodies.Length]);
            foreach (var (name, value) in _contentHeaders)
            {
                content.Headers.TryAddWithoutValidation(name, value);
            }

            request.Content = content;
        }

        return request;
    }
}
