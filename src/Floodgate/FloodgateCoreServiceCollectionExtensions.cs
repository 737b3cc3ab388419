using Floodgate.Penalties;
using Floodgate.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Floodgate;

/// <summary><c>services.AddFloodgateCore()</c>: the store and the penalty box for any host, a worker service included.</summary>
public static class FloodgateCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TimeProvider.System"/>, the in-memory store (<see cref="IRateLimitStore"/>, options
    /// <see cref="InMemoryStoreOptions"/>) and the in-memory penalty box (<see cref="IPenaltyBox"/>, options
    /// <see cref="PenaltyOptions"/>), each unless registered before. No ASP.NET Core: a worker that limits queue
    /// consumption calls this, then <c>.AddRedis()</c> to share state across instances, and asks
    /// <see cref="IRateLimitStore"/> for decisions. <c>AddFloodgate()</c> of Floodgate.AspNetCore calls it too.
    /// </summary>
    public static IFloodgateBuilder AddFloodgateCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new InMemoryRateLimitStore(
            sp.GetRequiredService<IOptions<InMemoryStoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IRateLimitStore>(sp => sp.GetRequiredService<InMemoryRateLimitStore>());
        services.TryAddSingleton(sp => new InMemoryPenaltyBox(
            sp.GetRequiredService<IOptions<PenaltyOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IPenaltyBox>(sp => sp.GetRequiredService<InMemoryPenaltyBox>());
        return new FloodgateBuilder(services);
    }

    private sealed class FloodgateBuilder(IServiceCollection services) : IFloodgateBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
