namespace Floodgate.AspNetCore.Replay;

/// <summary>What a candidate policy set did to a trace: in total, per policy, per endpoint, and for the most affected clients.</summary>
public sealed class ReplayReport
{
    internal ReplayReport(ReplayTally total, IReadOnlyList<ReplayGroup> policies, IReadOnlyList<ReplayGroup> endpoints, IReadOnlyList<ReplayGroup> clients, int endpointCount, int clientCount, long outOfOrder)
    {
        Total = total;
        Policies = policies;
        Endpoints = endpoints;
        Clients = clients;
        EndpointCount = endpointCount;
        ClientCount = clientCount;
        OutOfOrder = outOfOrder;
    }

    /// <summary>Every request replayed.</summary>
    public ReplayTally Total { get; }

    /// <summary>
    /// Each policy that matched a request, in the order the candidate lists them (its rules, then <c>default</c>); requests
    /// on an exempt path count under <see cref="ReplayEngine.ExemptName"/>, admitted.
    /// </summary>
    public IReadOnlyList<ReplayGroup> Policies { get; }

    /// <summary>The most affected endpoints, most changed decisions first (then most denied, then busiest).</summary>
    public IReadOnlyList<ReplayGroup> Endpoints { get; }

    /// <summary>The most affected clients, most changed decisions first (then most denied, then busiest).</summary>
    public IReadOnlyList<ReplayGroup> Clients { get; }

    /// <summary>Distinct endpoints in the trace (<see cref="Endpoints"/> lists the most affected of them).</summary>
    public int EndpointCount { get; }

    /// <summary>Distinct clients in the trace (<see cref="Clients"/> lists the most affected of them).</summary>
    public int ClientCount { get; }

    /// <summary>
    /// Records stamped earlier than one replayed before them. Each is decided as of its own time, as a live store decides a
    /// request whose clock read came late; many of them mean the trace was not in time order.
    /// </summary>
    public long OutOfOrder { get; }
}
