namespace Floodgate;

/// <summary>Why a <see cref="RateLimitDecision"/> denied a request.</summary>
public enum RateLimitDenialReason
{
    /// <summary>The request was admitted.</summary>
    None = 0,

    /// <summary>The limit is used up; <see cref="RateLimitDecision.RetryAfter"/> says when the request would fit.</summary>
    LimitExceeded = 1,

    /// <summary>The request costs more than the limit can ever admit at once; retrying never helps.</summary>
    CostExceedsLimit = 2,

    /// <summary>The client is banned for repeated violations.</summary>
    Banned = 3,

    /// <summary>The global circuit breaker is open and sheds this traffic.</summary>
    CircuitOpen = 4,

    /// <summary>The store could not be reached and the configured failure mode rejects.</summary>
    StoreUnavailable = 5,
}
