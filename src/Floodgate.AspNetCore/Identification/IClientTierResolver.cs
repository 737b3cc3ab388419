using Microsoft.AspNetCore.Http;

namespace Floodgate.AspNetCore.Identification;

/// <summary>
/// Names a client's tier (e.g. <c>free</c>, <c>premium</c>), for instance by looking its API key up. Register one to
/// give API-key clients tiers; a client whose key resolves to a tier also counts as known in the Adaptive defense mode.
/// Without one, the tier comes from the user's tier claim only.
/// </summary>
public interface IClientTierResolver
{
    /// <summary>The tier of <paramref name="client"/>, or <see langword="null"/> when it has none.</summary>
    ValueTask<string?> ResolveTierAsync(HttpContext context, ClientIdentity client);
}
