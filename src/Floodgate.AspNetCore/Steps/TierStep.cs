using Floodgate.AspNetCore.Identification;
using Microsoft.AspNetCore.Http;

namespace Floodgate.AspNetCore.Steps;

/// <summary>The client's tier: the claim of an authenticated user (<c>Floodgate:Tiers:ClaimType</c>), else the application's <see cref="IClientTierResolver"/>.</summary>
internal sealed class TierStep(IEnumerable<IClientTierResolver> resolvers)
{
    private readonly IClientTierResolver? _resolver = resolvers.LastOrDefault();

    public ValueTask<string?> ResolveAsync(HttpContext context, FloodgateSettings settings, ClientIdentity client)
    {
        if (client.IsAuthenticated && context.User.FindFirst(settings.Options.Tiers.ClaimType)?.Value is { Length: > 0 } claimed)
        {
            return new(claimed);
        }

        return _resolver is null ? default : _resolver.ResolveTierAsync(context, client);
    }
}
