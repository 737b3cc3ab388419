namespace Floodgate.Redis;

/// <summary>How a batched script call ended for the requests it carried.</summary>
internal enum BatchFailure
{
    /// <summary>Redis answered: each request reads its part of the reply.</summary>
    None,

    /// <summary>Redis is taken to be gone: the failure mode answers.</summary>
    Gone,

    /// <summary>The call timed out while Redis is still taken to be there.</summary>
    Slow,

    /// <summary>A failure that is not an outage (a script error): each caller gets the exception.</summary>
    Bug,
}
