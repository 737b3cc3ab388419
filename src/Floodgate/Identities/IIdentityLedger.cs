namespace Floodgate.Identities;

/// <summary>
/// The identity ceiling's count kept where every instance sees it: which unverified identities (an API key nobody
/// vouches for, <c>X-Client-ID</c>, a fingerprint) each address has presented in its window. With one ledger for all
/// instances, an attacker who pins a connection to each instance behind a load balancer gets no more identities than
/// from one instance. Without one, each instance counts on its own.
/// </summary>
public interface IIdentityLedger
{
    /// <summary>
    /// Whether <paramref name="identity"/> may stand for itself: <see langword="true"/> while
    /// <paramref name="addressKey"/> has presented at most <paramref name="ceiling"/> distinct identities in its current
    /// window (which starts at its first identity and lasts <paramref name="window"/>); <see langword="false"/> for
    /// every identity of the address, the earlier ones included, from the one beyond the ceiling until the window
    /// ends; <see langword="null"/> when the shared count cannot be reached now, and the caller counts on its own.
    /// </summary>
    /// <param name="addressKey">The address the identity came from, as the limiter keys it (<c>ip:…</c>).</param>
    /// <param name="identity">The identity it claims, as the limiter keys it (<c>key:…</c>, <c>cid:…</c>).</param>
    /// <param name="ceiling">Most identities one address may present in a window; at least 1.</param>
    /// <param name="window">How long a window lasts.</param>
    /// <param name="cancellationToken">Cancels the wait for the shared count.</param>
    ValueTask<bool?> AdmitAsync(string addressKey, string identity, int ceiling, TimeSpan window, CancellationToken cancellationToken = default);
}
