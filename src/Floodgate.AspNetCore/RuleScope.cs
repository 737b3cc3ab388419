namespace Floodgate.AspNetCore;

/// <summary>Whose requests a rule counts together.</summary>
public enum RuleScope
{
    /// <summary>Each identified client separately (user, API key, fingerprint or IP, in the configured order).</summary>
    Client = 0,

    /// <summary>Each API key separately, falling back to the client's address when a request has none.</summary>
    ApiKey = 1,

    /// <summary>Each client address separately (IPv6 grouped by prefix), whatever else identifies the client.</summary>
    Ip = 2,

    /// <summary>All clients of the endpoint together.</summary>
    Endpoint = 3,

    /// <summary>All clients of every endpoint the rule matches together.</summary>
    Global = 4,
}
