namespace Floodgate.AspNetCore.Steps;

/// <summary>One call of the <see cref="LayerStep"/>: the store's answer, under way or done, and the pooled arrays it decides in.</summary>
internal readonly struct LayerCall(ValueTask<RateLimitDecision> pending, RateLimitRequest[] requests, RateLimitDecision[] decisions, int count, RateLimit firstLimit)
{
    /// <summary>The store's answer; read once: by <c>LayerStep.End</c> when it is done, else by the caller that awaits it.</summary>
    public ValueTask<RateLimitDecision> Pending { get; } = pending;

    public RateLimitRequest[] Requests { get; } = requests;

    public RateLimitDecision[] Decisions { get; } = decisions;

    public int Count { get; } = count;

    /// <summary>The client's first limit: what an admission after a store failure is told.</summary>
    public RateLimit FirstLimit { get; } = firstLimit;
}
