using Microsoft.Extensions.DependencyInjection;

namespace Floodgate.AspNetCore;

/// <summary>Returned by <c>AddFloodgate</c> so that stores and extras chain: <c>.AddRedis(...)</c>, <c>.AddTierResolver&lt;T&gt;()</c>.</summary>
public interface IFloodgateBuilder
{
    /// <summary>The application's services.</summary>
    IServiceCollection Services { get; }
}
