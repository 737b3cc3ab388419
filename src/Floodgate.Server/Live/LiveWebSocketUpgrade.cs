using Microsoft.AspNetCore.Http.Features;

namespace Floodgate.Server.Live;

/// <summary>
/// The upgrade of a request on a live WebSocket path: the upgraded connection is wrapped in a
/// <see cref="FrameBatchingStream"/>, which the stream's endpoint finds here to send events in batches.
/// </summary>
internal sealed class LiveWebSocketUpgrade(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>The upgraded connection; <see langword="null"/> before the upgrade.</summary>
    public FrameBatchingStream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        Stream = new FrameBatchingStream(await inner.UpgradeAsync().ConfigureAwait(false));
        return Stream;
    }
}
