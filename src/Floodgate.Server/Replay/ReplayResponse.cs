using Floodgate.AspNetCore.Replay;

namespace Floodgate.Server.Replay;

/// <summary>
/// What the candidate policies did to the recorded traffic of the range: in total, per policy, for the most affected
/// endpoints and clients, each against what was actually decided.
/// </summary>
/// <param name="From">Start of the range replayed.</param>
/// <param name="To">End of the range replayed.</param>
/// <param name="Instances">Instances whose record was replayed (this one and, with Redis, those that answered in time).</param>
/// <param name="Dropped">Requests these instances did not record because their recording queue was full.</param>
/// <param name="Total">Every request replayed.</param>
/// <param name="Policies">Each policy that matched a request, in match order, then <c>default</c> and <c>(exempt)</c>.</param>
/// <param name="Endpoints">The most affected endpoints.</param>
/// <param name="Clients">The most affected clients.</param>
/// <param name="EndpointCount">Distinct endpoints in the range.</param>
/// <param name="ClientCount">Distinct clients in the range.</param>
/// <param name="OutOfOrder">Requests stamped earlier than one replayed before them (from several instances whose clocks differ).</param>
public sealed record ReplayResponse(
    DateTimeOffset From,
    DateTimeOffset To,
    int Instances,
    long Dropped,
    ReplayTally Total,
    IReadOnlyList<ReplayGroup> Policies,
    IReadOnlyList<ReplayGroup> Endpoints,
    IReadOnlyList<ReplayGroup> Clients,
    int EndpointCount,
    int ClientCount,
    long OutOfOrder);
