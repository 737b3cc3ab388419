namespace Floodgate.AspNetCore.Steps;

/// <summary>What a step of the request path decides about a request.</summary>
internal enum RequestOutcome
{
    /// <summary>Go on: to the next step, or, after the last, to the application.</summary>
    Continue = 0,

    /// <summary>Turn the request away with a rejection response.</summary>
    Reject = 1,

    /// <summary>Let the request through after a delay (slow-down).</summary>
    Delay = 2,

    /// <summary>Let the request through although it was denied (shadow mode).</summary>
    Shadow = 3,
}
