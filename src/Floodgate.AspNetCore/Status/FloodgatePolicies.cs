using System.Diagnostics.CodeAnalysis;
using Floodgate.AspNetCore.Identification;
using Floodgate.AspNetCore.Policies;
using Floodgate.Penalties;
using Floodgate.Storage;
using Microsoft.AspNetCore.Http;

namespace Floodgate.AspNetCore.Status;

/// <summary>
/// The policies in force (configured and from every <see cref="IRateLimitRuleSource"/>, as of the last reload) and a
/// caller's standing on them, for an application's own status page or decision endpoint. Registered by
/// <c>AddFloodgate()</c>; inject it.
/// </summary>
public sealed class FloodgatePolicies
{
    private readonly FloodgateSettingsProvider _settings;
    private readonly IdentityGuard _identities;
    private readonly IRateLimitStore _store;
    private readonly IPenaltyBox _bans;

    internal FloodgatePolicies(FloodgateSettingsProvider settings, IdentityGuard identities, IRateLimitStore store, IPenaltyBox bans)
    {
        _settings = settings;
        _identities = identities;
        _store = store;
        _bans = bans;
    }

    /// <summary>The limits of the policy called <paramref name="name"/> (a rule's name, or <c>default</c>); null when none is.</summary>
    public IReadOnlyList<RateLimit>? FindLimits(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _settings.Current.FindPolicy(name)?.Limits;
    }

    /// <summary>
    /// Reads limit text as a rule's <c>Limit</c> is read: one or more limits separated by <c>;</c>, each with its own
    /// algorithm or <paramref name="algorithm"/>, else the configured <c>Floodgate:Algorithm</c>.
    /// </summary>
    /// <returns>Whether <paramref name="text"/> is valid; otherwise <paramref name="error"/> says why.</returns>
    public bool TryParseLimits(string? text, RateLimitAlgorithm? algorithm, [NotNullWhen(true)] out IReadOnlyList<RateLimit>? limits, out string error)
    {
        var ok = PolicyCompiler.TryParseLimits(text, algorithm, null, _settings.Current.Options.Algorithm, out var parsed, out error);
        limits = parsed;
        return ok;
    }

    /// <summary>
    /// The caller's standing on every policy, identified as the middleware identifies it and consuming nothing: its
    /// identity, its ban if any, and for each policy the <see cref="IRateLimitStore.PeekAsync"/> of each limit under the
    /// key the policy would use for this request.
    /// </summary>
    public async ValueTask<ClientStatus> GetStatusAsync(HttpContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = _settings.Current;
        var client = await _identities.ConfirmAsync(settings.Identifier.Identify(context), context, settings.Options.Identification, cancellationToken).ConfigureAwait(false);
        var ban = await _bans.GetBanAsync(client.Id, cancellationToken).ConfigureAwait(false) ??
            (client.PenaltyKey == client.Id ? null : await _bans.GetBanAsync(client.PenaltyKey, cancellationToken).ConfigureAwait(false));
        var policies = new List<PolicyStatus>(settings.Rules.Length + 1);
        foreach (var policy in settings.Rules.Prepend(settings.DefaultPolicy))
        {
            var key = PolicyKey(policy, client, context);
            var standings = new RateLimitDecision[policy.Limits.Length];
            for (var i = 0; i < standings.Length; i++)
            {
                // The limit named on every standing, whichever store (or failure mode) answered.
                var standing = await _store.PeekAsync(key, policy.Limits[i], cancellationToken).ConfigureAwait(false);
                standings[i] = standing with { Rule = policy.Limits[i] };
            }

            policies.Add(new PolicyStatus(policy.Name, policy.Path?.Pattern, policy.Methods?.Order(StringComparer.Ordinal).ToArray(), policy.Scope, standings));
        }

        return new ClientStatus(client, ban, policies);
    }

    /// <summary>The key a policy uses for this caller; endpoint- and global-scoped policies are keyed by route, so the status shows the path pattern's key.</summary>
    private static string PolicyKey(RateLimitPolicy policy, ClientIdentity client, HttpContext context) => policy.Scope switch
    {
        RuleScope.ApiKey => policy.KeyPrefix + (client.ApiKeyHash ?? client.AddressKey),
        RuleScope.Ip => policy.KeyPrefix + client.AddressKey,
        RuleScope.Global => policy.KeyPrefix + "all",
        RuleScope.Endpoint => policy.KeyPrefix + "endpoint:" + (policy.Methods?.FirstOrDefault() ?? context.Request.Method) + " " + policy.Path?.Pattern,
        _ => policy.KeyPrefix + client.Id,
    };
}
