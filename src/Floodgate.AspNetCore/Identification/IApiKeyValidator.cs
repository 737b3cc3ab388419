using Microsoft.AspNetCore.Http;

namespace Floodgate.AspNetCore.Identification;

/// <summary>
/// Tells whether an API key is one the application issued. Register one (<c>.AddApiKeyValidator&lt;T&gt;()</c>) and a
/// verified key identifies its client on its own, with its own limits and its own bans. Without a validator every API
/// key is unverified: it may tell clients behind one address apart, but never buys an address more than
/// <see cref="IdentificationOptions.MaxIdentitiesPerAddress"/> identities, and guessing rules and bans still hold for the address.
/// </summary>
public interface IApiKeyValidator
{
    /// <summary>
    /// Whether <paramref name="apiKey"/> (the raw header value, trimmed) is valid. Called on every request that carries a
    /// key: answer from a cache where you can, synchronously (a completed <see cref="ValueTask{TResult}"/>). Never log the key.
    /// </summary>
    ValueTask<bool> IsValidAsync(string apiKey, HttpContext context, CancellationToken cancellationToken);
}
