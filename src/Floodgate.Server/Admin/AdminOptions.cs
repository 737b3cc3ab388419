namespace Floodgate.Server.Admin;

/// <summary>Who may use the admin API and the live streams (<c>Floodgate:Admin</c>).</summary>
public sealed class AdminOptions
{
    /// <summary>The admin key, sent as <c>X-Admin-Key</c> or <c>Authorization: Bearer</c>. Without one, only loopback callers whose request carries no proxy header are let in.</summary>
    public string? ApiKey { get; set; }
}
