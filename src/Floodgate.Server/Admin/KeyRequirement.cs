namespace Floodgate.Server.Admin;

/// <summary>Endpoint metadata: the route answers 401 unless the caller presents a key of <paramref name="Realm"/> (see <see cref="KeyAuthorization"/>).</summary>
internal sealed record KeyRequirement(string Realm)
{
    /// <summary>The admin API and the live streams (<c>Floodgate:Admin:ApiKey</c>).</summary>
    public const string Admin = "admin";

    /// <summary>The decision API (<c>Floodgate:DecisionApi:Keys</c>).</summary>
    public const string DecisionApi = "decision API";
}
