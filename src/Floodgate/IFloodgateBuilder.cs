using Microsoft.Extensions.DependencyInjection;

namespace Floodgate;

/// <summary>
/// Returned by <c>AddFloodgate()</c> (ASP.NET Core) and <see cref="FloodgateCoreServiceCollectionExtensions.AddFloodgateCore"/>
/// (any host) so that stores and extras chain: <c>.AddRedis(...)</c>, <c>.AddTierResolver&lt;T&gt;()</c>.
/// </summary>
public interface IFloodgateBuilder
{
    /// <summary>The application's services.</summary>
    IServiceCollection Services { get; }
}
