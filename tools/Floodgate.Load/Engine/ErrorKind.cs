namespace Floodgate.Load.Engine;

/// <summary>Why a request got no HTTP response. Unexpected statuses are errors too, counted by status code.</summary>
internal enum ErrorKind
{
    /// <summary>No response within <c>--timeout</c>.</summary>
    Timeout,

    /// <summary>Nothing listens on the port.</summary>
    ConnectionRefused,

    /// <summary>The server closed or reset the connection before answering.</summary>
    ConnectionReset,

    /// <summary>Any other failure to connect.</summary>
    Connection,

    /// <summary>The response was not valid HTTP.</summary>
    Protocol,

    /// <summary>Still in flight when the run was stopped (Ctrl+C).</summary>
    Cancelled,

    /// <summary>Anything else.</summary>
    Other,
}
