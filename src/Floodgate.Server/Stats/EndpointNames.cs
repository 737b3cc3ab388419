using System.Collections.Concurrent;

namespace Floodgate.Server.Stats;

/// <summary>
/// The endpoint a request counts under: its method (or OTHER) and its route template (or (unmatched)), never its raw
/// path or method, one string per pair, made once.
/// </summary>
internal static class EndpointNames
{
    public const string Unmatched = "(unmatched)";
    public const string OtherMethod = "OTHER";

    // Bounded: the standard methods (and OTHER) times the application's route templates (and Unmatched).
    private static readonly ConcurrentDictionary<(string Method, string Route), string> Names = new();

    public static string Of(HttpContext context)
    {
        var method = Method(context.Request.Method);
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? Unmatched;
        return Names.TryGetValue((method, route), out var name) ? name : Names.GetOrAdd((method, route), static key => key.Method + " " + key.Route);
    }

    /// <summary>A standard method by its name; any other (made-up, or in the wrong case) as <see cref="OtherMethod"/>.</summary>
    public static string Method(string method) =>
        HttpMethods.IsGet(method) ? HttpMethods.Get
        : HttpMethods.IsPost(method) ? HttpMethods.Post
        : HttpMethods.IsPut(method) ? HttpMethods.Put
        : HttpMethods.IsDelete(method) ? HttpMethods.Delete
        : HttpMethods.IsPatch(method) ? HttpMethods.Patch
        : HttpMethods.IsHead(method) ? HttpMethods.Head
        : HttpMethods.IsOptions(method) ? HttpMethods.Options
        : HttpMethods.IsTrace(method) ? HttpMethods.Trace
        : HttpMethods.IsConnect(method) ? HttpMethods.Connect
        : OtherMethod;
}
