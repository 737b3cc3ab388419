using Microsoft.AspNetCore.Builder;

namespace Floodgate.AspNetCore;

/// <summary><c>app.UseFloodgate()</c>.</summary>
public static class FloodgateApplicationBuilderExtensions
{
    /// <summary>
    /// Adds the Floodgate middleware. Place it after routing (implicit in minimal hosting) so endpoint metadata such as
    /// <c>[RateLimit]</c> is seen, and before the endpoints it protects.
    /// </summary>
    public static IApplicationBuilder UseFloodgate(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<FloodgateMiddleware>();
    }
}
