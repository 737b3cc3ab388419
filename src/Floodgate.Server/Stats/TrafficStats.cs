namespace Floodgate.Server.Stats;

/// <summary>
/// The service's bookkeeping, one pipeline: each limited request adds its outcome once to its endpoint's and its
/// client's counters; at each second's end, the pipeline takes what the second added (<see cref="TrafficSecond"/>,
/// for the live <c>stats</c> event and its history) from the same counters whose running totals answer
/// <c>/admin/stats</c>. Bounded whatever a client sends: endpoints are named by method and route template
/// (<see cref="EndpointNames"/>) and capped, past the cap counting under <see cref="TrafficTable.Other"/>; the client
/// table holds at most <see cref="MaxClients"/> clients (new ones past it are counted in the totals only until the
/// second ends, when the quietest half is forgotten).
/// </summary>
internal sealed class TrafficStats(TimeProvider timeProvider) : BackgroundService
{
    public const int MaxEndpoints = 1_000;
    public const int MaxClients = 10_000;

    /// <summary>Endpoints listed by <c>/admin/stats</c>, then the rest as "(other)".</summary>
    public const int ResponseEndpoints = 50;

    /// <summary>Endpoints and clients kept of each second: enough for the busiest of several instances summed.</summary>
    public const int SecondEndpoints = 20;
    public const int SecondClients = 50;

    private readonly TrafficTable _endpoints = new(MaxEndpoints);
    private readonly TrafficTable _clients = new(MaxClients);

    /// <summary>Raised on the pipeline's loop when a second has ended, with what it added; handlers return at once.</summary>
    public event Action<TrafficSecond>? SecondEnded;

    public long Allowed => _endpoints.Totals().Allowed;

    public long Denied => _endpoints.Totals().Denied;

    /// <summary>Counts one limited request: its endpoint (from <see cref="EndpointNames"/>), its client, and whether it was let through.</summary>
    public void Record(string endpoint, string client, bool allowed)
    {
        _endpoints.Add(endpoint, allowed);
        _clients.Add(client, allowed);
    }

    /// <summary>The <see cref="ResponseEndpoints"/> busiest endpoints, then the rest summed as <see cref="TrafficTable.Other"/>.</summary>
    public List<TrafficRow> Endpoints() => _endpoints.Busiest(ResponseEndpoints, sumTheRest: true);

    public List<TrafficRow> TopClients(int count) => _clients.Busiest(count, sumTheRest: false);

    public TrafficRow? Client(string client) => client == TrafficTable.Other ? null : _clients.Get(client);

    /// <summary>Ends a second: takes what it added from every counter. Called by the loop once a second.</summary>
    internal TrafficSecond EndSecond(long second)
    {
        var endpoints = new TrafficRanking(SecondEndpoints);
        var clients = new TrafficRanking(SecondClients);
        var (allowed, denied) = _endpoints.TakeSecond(endpoints);
        _clients.TakeSecond(clients);
        _clients.TrimWhenFull();
        return new TrafficSecond(second, allowed, denied, endpoints.Rows(sumTheRest: true), clients.Rows(sumTheRest: false));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var ended = long.MinValue;
            while (!stoppingToken.IsCancellationRequested)
            {
                // A timer may wake a hair before the second's end: the second just ended is then not ended again (with
                // nothing in it, which would replace its real count at the instances that sum it), the next one is.
                var now = timeProvider.GetUtcNow();
                var second = Math.Max(now.ToUnixTimeSeconds(), ended + 1);
                var end = DateTimeOffset.FromUnixTimeSeconds(second + 1);
                if (end > now)
                {
                    await Task.Delay(end - now, timeProvider, stoppingToken).ConfigureAwait(false);
                }

                ended = second;
                SecondEnded?.Invoke(EndSecond(second));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
