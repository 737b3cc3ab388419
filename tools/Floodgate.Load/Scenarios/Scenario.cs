namespace Floodgate.Load.Scenarios;

/// <summary>
/// A named traffic shape with defaults for what the command line leaves out. The path applies when <c>--url</c> is a
/// bare base such as <c>http://127.0.0.1:8000</c>; a URL with a path is sent to as given.
/// </summary>
internal sealed class Scenario
{
    /// <summary>Burst: seconds at the base rate, then seconds at <see cref="BurstFactor"/> times it, repeated.</summary>
    public static readonly TimeSpan BurstQuiet = TimeSpan.FromSeconds(7);

    public static readonly TimeSpan BurstLength = TimeSpan.FromSeconds(3);

    public const int BurstFactor = 10;

    public static readonly Scenario Steady = new()
    {
        Name = "steady",
        Description = "constant rate",
        Path = "/api/data",
        Method = "GET",
        Rate = 100,
        Duration = TimeSpan.FromSeconds(30),
        Identity = IdentityKind.None,
        Clients = 1,
    };

    public static readonly Scenario Burst = new()
    {
        Name = "burst",
        Description = "7 s at --rate, then 3 s at 10 × --rate, repeated",
        Path = "/api/data",
        Method = "GET",
        Rate = 5,
        Duration = TimeSpan.FromSeconds(40),
        Identity = IdentityKind.None,
        Clients = 1,
    };

    public static readonly Scenario CredentialStuffing = new()
    {
        Name = "credential-stuffing",
        Description = "many POST /auth/login attempts from few clients",
        Path = "/auth/login",
        Method = "POST",
        Rate = 20,
        Duration = TimeSpan.FromSeconds(30),
        Identity = IdentityKind.Forwarded,
        Clients = 5,
        SendsCredentials = true,
    };

    public static readonly Scenario Distributed = new()
    {
        Name = "distributed",
        Description = "many addresses, each under its own limit, together over a global limit",
        Path = "/api/data",
        Method = "GET",
        Rate = 200,
        Duration = TimeSpan.FromSeconds(30),
        Identity = IdentityKind.Forwarded,
        Clients = 500,
    };

    public static readonly Scenario Ipv6Rotation = new()
    {
        Name = "ipv6-rotation",
        Description = "X-Forwarded-For addresses rotating inside one 2001:db8:ffff:1::/64",
        Path = "/api/data",
        Method = "GET",
        Rate = 20,
        Duration = TimeSpan.FromSeconds(20),
        Identity = IdentityKind.RotatingIpv6,
        Clients = 256,
    };

    public static IReadOnlyList<Scenario> All { get; } = [Steady, Burst, CredentialStuffing, Distributed, Ipv6Rotation];

    public required string Name { get; init; }

    public required string Description { get; init; }

    public required string Path { get; init; }

    public required string Method { get; init; }

    /// <summary>Requests per second (the base rate of a burst).</summary>
    public required double Rate { get; init; }

    public required TimeSpan Duration { get; init; }

    public required IdentityKind Identity { get; init; }

    public required int Clients { get; init; }

    /// <summary>Sends a JSON body with a user name and a guessed password, varying per request.</summary>
    public bool SendsCredentials { get; init; }

    public static Scenario? Find(string name)
    {
        foreach (var scenario in All)
        {
            if (string.Equals(scenario.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return scenario;
            }
        }

        return null;
    }

    /// <summary>
    /// The rate over time: one phase for a constant rate; for a burst, quiet and burst phases back to back, the last
    /// one cut at <paramref name="duration"/>.
    /// </summary>
    public IReadOnlyList<RatePhase> Phases(double rate, TimeSpan duration)
    {
        if (this != Burst)
        {
            return [new RatePhase(TimeSpan.Zero, duration, rate)];
        }

        var phases = new List<RatePhase>();
        var at = TimeSpan.Zero;
        var quiet = true;
        while (at < duration)
        {
            var length = quiet ? BurstQuiet : BurstLength;
            if (at + length > duration)
            {
                length = duration - at;
            }

            phases.Add(new RatePhase(at, length, quiet ? rate : rate * BurstFactor));
            at += length;
            quiet = !quiet;
        }

        return phases;
    }
}
