using System.Collections.Concurrent;
using Floodgate.Identities;
using Microsoft.AspNetCore.Http;

namespace Floodgate.AspNetCore.Identification;

/// <summary>
/// Decides how far a request's claimed identity is believed. An authenticated user and an API key that the
/// application's <see cref="IApiKeyValidator"/> accepts stand on their own. Anything else the client merely claims
/// (an unverified key, <c>X-Client-ID</c>, an unverified JWT, a fingerprint) may tell clients behind one address apart,
/// but an address that presents more than <see cref="IdentificationOptions.MaxIdentitiesPerAddress"/> of them within
/// <see cref="IdentificationOptions.IdentityWindow"/> is limited as one client (its address) until the window ends:
/// rotating a header then buys nothing. With an <see cref="IIdentityLedger"/> registered (Redis), every instance
/// counts against one ceiling per address; this instance counts on its own only while the ledger cannot be reached.
/// Long-lived: it survives a reload of the settings.
/// </summary>
internal sealed class IdentityGuard
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private readonly IApiKeyValidator? _validator;
    private readonly IIdentityLedger? _ledger;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, AddressIdentities> _addresses = new(StringComparer.Ordinal);
    private readonly Lock _sweep = new();
    private int _tracked;
    private long _nextSweep;

    public IdentityGuard(IEnumerable<IApiKeyValidator> validators, IEnumerable<IIdentityLedger> ledgers, TimeProvider timeProvider)
    {
        _validator = validators.LastOrDefault();
        _ledger = ledgers.LastOrDefault();
        _timeProvider = timeProvider;
    }

    /// <summary>Addresses tracked now (for tests and diagnostics).</summary>
    internal int TrackedAddresses => Volatile.Read(ref _tracked);

    /// <summary>
    /// The identity to limit <paramref name="candidate"/> by: itself, marked verified; itself, unverified; or its address
    /// when the address is over its ceiling of unverified identities. Completes synchronously unless the validator does not.
    /// </summary>
    public ValueTask<ClientIdentity> ConfirmAsync(ClientIdentity candidate, HttpContext context, IdentificationOptions options, CancellationToken cancellationToken)
    {
        if (candidate.IsVerified || candidate.Id == candidate.AddressKey)
        {
            return new ValueTask<ClientIdentity>(candidate);
        }

        if (candidate.Kind == ClientKind.ApiKey && _validator is not null && ClientIdentifier.ReadHeader(context, options.ApiKeyHeader) is { } apiKey)
        {
            var validation = _validator.IsValidAsync(apiKey, context, cancellationToken);
            if (!validation.IsCompletedSuccessfully)
            {
                return ConfirmSlowAsync(validation, candidate, options, cancellationToken);
            }

            if (validation.Result)
            {
                return new ValueTask<ClientIdentity>(candidate with { IsVerified = true });
            }
        }

        return BoundAsync(candidate, options, cancellationToken);
    }

    private async ValueTask<ClientIdentity> ConfirmSlowAsync(ValueTask<bool> validation, ClientIdentity candidate, IdentificationOptions options, CancellationToken cancellationToken) =>
        await validation.ConfigureAwait(false) ? candidate with { IsVerified = true } : await BoundAsync(candidate, options, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The candidate while its address is within its ceiling of unverified identities, the address beyond it: by the
    /// shared ledger when there is one and it answers, else by this instance's own count.
    /// </summary>
    private ValueTask<ClientIdentity> BoundAsync(ClientIdentity candidate, IdentificationOptions options, CancellationToken cancellationToken)
    {
        if (_ledger is null || options.MaxIdentitiesPerAddress == 0)
        {
            return new ValueTask<ClientIdentity>(Bound(candidate, options));
        }

        var shared = _ledger.AdmitAsync(candidate.AddressKey, candidate.Id, options.MaxIdentitiesPerAddress, options.IdentityWindow, cancellationToken);
        return shared.IsCompletedSuccessfully
            ? new ValueTask<ClientIdentity>(Bound(candidate, options, shared.Result))
            : BoundSlowAsync(shared, candidate, options);
    }

    private async ValueTask<ClientIdentity> BoundSlowAsync(ValueTask<bool?> shared, ClientIdentity candidate, IdentificationOptions options) =>
        Bound(candidate, options, await shared.ConfigureAwait(false));

    private ClientIdentity Bound(ClientIdentity candidate, IdentificationOptions options, bool? admitted) => admitted switch
    {
        true => candidate,
        false => AsAddress(candidate),
        null => Bound(candidate, options),
    };

    private static ClientIdentity AsAddress(ClientIdentity candidate) =>
        new(candidate.AddressKey, ClientKind.Ip, candidate.Address, candidate.AddressKey, ApiKeyHash: null, IsAuthenticated: false);

    /// <summary>This instance's own count: the candidate while its address is within its ceiling, the address beyond it.</summary>
    private ClientIdentity Bound(ClientIdentity candidate, IdentificationOptions options)
    {
        var now = _timeProvider.GetUtcNow().UtcTicks;
        if (!_addresses.TryGetValue(candidate.AddressKey, out var identities))
        {
            identities = Track(candidate.AddressKey, now, options.MaxTrackedAddresses);
        }

        return identities is not null && identities.Admit(candidate.Id, now, options.MaxIdentitiesPerAddress, options.IdentityWindow.Ticks)
            ? candidate
            : AsAddress(candidate);
    }

    /// <summary>
    /// Starts tracking an address, or returns null when <see cref="IdentificationOptions.MaxTrackedAddresses"/> are
    /// tracked and none has expired: the address is then limited as one client, the safe side of a flood of addresses.
    /// </summary>
    private AddressIdentities? Track(string addressKey, long now, int maxTracked)
    {
        if (Volatile.Read(ref _tracked) >= maxTracked && !Sweep(now, maxTracked))
        {
            return _addresses.GetValueOrDefault(addressKey);
        }

        var created = new AddressIdentities();
        var identities = _addresses.GetOrAdd(addressKey, created);
        if (ReferenceEquals(identities, created))
        {
            Interlocked.Increment(ref _tracked);
        }

        return identities;
    }

    /// <summary>Drops expired addresses, at most once a second; true when room was made.</summary>
    private bool Sweep(long now, int maxTracked)
    {
        lock (_sweep)
        {
            if (now < _nextSweep)
            {
                return Volatile.Read(ref _tracked) < maxTracked;
            }

            _nextSweep = now + SweepInterval.Ticks;
            foreach (var (address, identities) in _addresses)
            {
                if (identities.HasExpired(now) && _addresses.TryRemove(address, out _))
                {
                    Interlocked.Decrement(ref _tracked);
                }
            }

            return Volatile.Read(ref _tracked) < maxTracked;
        }
    }

    /// <summary>The unverified identities one address presented in its current window.</summary>
    private sealed class AddressIdentities
    {
        private readonly Lock _lock = new();
        private string[] _seen = new string[4];
        private int _count;
        private bool _overflowed;
        private long _windowEnds;

        public bool HasExpired(long now) => now >= Volatile.Read(ref _windowEnds);

        /// <summary>Whether <paramref name="id"/> may stand for itself: the address has not presented more than <paramref name="ceiling"/> identities this window.</summary>
        public bool Admit(string id, long now, int ceiling, long window)
        {
            lock (_lock)
            {
                if (now >= _windowEnds)
                {
                    Array.Clear(_seen, 0, _count);
                    _count = 0;
                    _overflowed = false;
                    Volatile.Write(ref _windowEnds, now + window);
                }

                if (_overflowed)
                {
                    return false;
                }

                for (var i = 0; i < _count; i++)
                {
                    if (string.Equals(_seen[i], id, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }

                if (_count >= ceiling)
                {
                    // Once over the ceiling, every unverified identity of the address is the address, the first ones
                    // included: keeping them would leave the attacker the ceiling's worth of allowances.
                    _overflowed = true;
                    Array.Clear(_seen, 0, _count);
                    _count = 0;
                    return false;
                }

                if (_count == _seen.Length)
                {
                    Array.Resize(ref _seen, Math.Min(_seen.Length * 2, Math.Max(ceiling, 1)));
                }

                _seen[_count++] = id;
                return true;
            }
        }
    }
}
