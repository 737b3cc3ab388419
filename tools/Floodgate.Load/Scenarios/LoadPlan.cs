using System.Globalization;
using System.Text;
using Floodgate.Load.Options;

namespace Floodgate.Load.Scenarios;

/// <summary>
/// One run, fully decided: what to send, and either a schedule of rates (the open model) or a number of workers
/// (the closed model). <see cref="Create"/> fills in the scenario's defaults and checks the rules across options.
/// </summary>
internal sealed class LoadPlan
{
    /// <summary>User names and guesses the credential-stuffing scenario cycles through.</summary>
    private const int CredentialBodies = 64;

    public required Scenario Scenario { get; init; }

    public required RequestShape Request { get; init; }

    /// <summary>Requests per second (the base rate of a burst); unused by the closed model.</summary>
    public required double Rate { get; init; }

    /// <summary>The open model's schedule; empty in the closed model.</summary>
    public required IReadOnlyList<RatePhase> Phases { get; init; }

    /// <summary>Workers of the closed model; null for the open model.</summary>
    public int? Concurrency { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>The run stops after this many requests even if time is left.</summary>
    public required long MaxRequests { get; init; }

    public required int Connections { get; init; }

    public required TimeSpan Timeout { get; init; }

    public bool IsOpen => Concurrency is null;

    /// <summary>Requests the open model will send if not stopped; <see cref="MaxRequests"/> for the closed model.</summary>
    public long PlannedRequests
    {
        get
        {
            if (!IsOpen)
            {
                return MaxRequests;
            }

            long total = 0;
            foreach (var phase in Phases)
            {
                total += phase.Count;
            }

            return Math.Min(total, MaxRequests);
        }
    }

    public static LoadPlan Create(LoadOptions options)
    {
        var url = options.Url ?? throw new UsageException("--url is required, e.g. --url http://127.0.0.1:8000/api/data.");
        var scenario = options.Scenario ?? Scenario.Steady;
        var duration = options.Duration ?? scenario.Duration;
        var rate = options.Rate ?? scenario.Rate;

        if (options.Concurrency is not null)
        {
            if (options.Rate is not null)
            {
                throw new UsageException("--rate and --concurrency exclude each other: --rate paces an open model, --concurrency runs a closed one.");
            }

            if (scenario == Scenario.Burst)
            {
                throw new UsageException("--scenario burst changes the rate over time, so it needs the open model: use --rate, not --concurrency.");
            }
        }

        var phases = options.Concurrency is null ? scenario.Phases(rate, duration) : [];
        long planned = 0;
        foreach (var phase in phases)
        {
            planned += phase.Count;
        }

        if (options.Requests is null && planned > LoadLimits.MaxRequests)
        {
            throw new UsageException(string.Create(
                CultureInfo.InvariantCulture,
                $"--rate {rate:0.###} for --duration {DurationText.Format(duration)} is {planned:N0} requests; a run sends at most {LoadLimits.MaxRequests:N0}. Lower the rate or the duration, or cap it with --requests."));
        }

        // --clients alone means forwarded identities: that is what "clients" distinguishes by default.
        var identity = options.Identity ?? (options.Clients is > 1 ? IdentityKind.Forwarded : scenario.Identity);
        var clients = options.Clients ?? (identity == IdentityKind.None ? 1 : Math.Max(1, scenario.Clients));
        if (identity == IdentityKind.None && clients > 1)
        {
            throw new UsageException("--clients needs --identity forwarded or api-key: with --identity none every request is the same client.");
        }

        if (identity == IdentityKind.None && options.FirstClient > 0)
        {
            throw new UsageException("--first-client needs --identity forwarded or api-key: with --identity none there are no client numbers.");
        }

        var method = new HttpMethod(options.Method ?? scenario.Method);
        var path = url.AbsolutePath == "/" && string.IsNullOrEmpty(url.Query) ? scenario.Path : null;
        var target = path is null ? url : new Uri(url, path);

        var headers = new List<KeyValuePair<string, string>>();
        var contentHeaders = new List<KeyValuePair<string, string>>();
        foreach (var header in options.Headers)
        {
            (header.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? contentHeaders : headers).Add(header);
        }

        var identities = ClientIdentities.Create(identity, clients, options.FirstClient);
        if (identities.HeaderName is { } identityHeader && headers.Exists(h => h.Key.Equals(identityHeader, StringComparison.OrdinalIgnoreCase)))
        {
            throw new UsageException($"--header {identityHeader} conflicts with --identity {identities.Name}, which sets it per client; leave one out.");
        }

        var bodies = new List<byte[]>();
        if (options.Body is not null)
        {
            bodies.Add(Encoding.UTF8.GetBytes(options.Body));
        }
        else if (scenario.SendsCredentials && method != HttpMethod.Get)
        {
            for (var i = 0; i < CredentialBodies; i++)
            {
                bodies.Add(Encoding.UTF8.GetBytes(string.Create(
                    CultureInfo.InvariantCulture, $$"""{"username":"user{{i % 16}}@example.com","password":"guess-{{i}}"}""")));
            }
        }

        if (bodies.Count == 0 && contentHeaders.Count > 0)
        {
            throw new UsageException($"--header {contentHeaders[0].Key} describes a body: give one with --body.");
        }

        if (bodies.Count > 0 && !contentHeaders.Exists(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
        {
            contentHeaders.Add(new("Content-Type", "application/json"));
        }

        return new LoadPlan
        {
            Scenario = scenario,
            Request = new RequestShape(method, target, headers, contentHeaders, bodies, identities),
            Rate = rate,
            Phases = phases,
            Concurrency = options.Concurrency,
            Duration = duration,
            MaxRequests = options.Requests ?? LoadLimits.MaxRequests,
            Connections = options.Connections ?? options.Concurrency ?? Math.Min(LoadLimits.MaxConnections, 64),
            Timeout = options.Timeout,
        };
    }
}
