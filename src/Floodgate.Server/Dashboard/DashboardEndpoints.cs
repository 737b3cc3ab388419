using Floodgate.AspNetCore.Policies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Floodgate.Server.Dashboard;

/// <summary>
/// <c>/dashboard</c>: the operator's page (plain HTML, CSS and JavaScript modules) built on the admin API and the
/// live streams. The files are embedded in this assembly, so the page is served wherever the service runs from
/// (build output, <c>dotnet run</c>, a container) and never fetches anything from another host. The page itself holds
/// no data: everything it shows comes from <c>/admin</c> and the streams, which ask for the admin key.
/// </summary>
internal static class DashboardEndpoints
{
    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public static void MapDashboard(this WebApplication app)
    {
        var files = DashboardFiles.Load();
        var index = files.Find("index.html") ?? throw new InvalidOperationException("The dashboard's index.html is not embedded in Floodgate.Server.");

        // Never limited: the page and its files are exempt in appsettings.json too, but must not depend on it.
        var dashboard = app.MapGroup("/dashboard").DisableRateLimit().ExcludeFromDescription();

        // "/dashboard" and "/dashboard/" (routing ignores a trailing slash). The page refers to its files by absolute path.
        Func<HttpContext, FileContentHttpResult> page = context => Serve(context, index);
        dashboard.MapMethods("/", GetOrHead, page);
        dashboard.MapMethods("/{**path}", GetOrHead, Results<FileContentHttpResult, NotFound> (string path, HttpContext context) =>
            files.Find(path) is { } file ? Serve(context, file) : TypedResults.NotFound());
    }

    private static FileContentHttpResult Serve(HttpContext context, DashboardFile file)
    {
        var headers = context.Response.Headers;
        // Revalidate every time: the names carry no version, and a revalidation costs one 304 thanks to the ETag.
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = ContentSecurityPolicy(context.Request.Host);
        return TypedResults.Bytes(file.Contents, file.ContentType, entityTag: file.ETag);
    }

    /// <summary>
    /// Only this origin's scripts, styles and images; connections only to this origin over HTTP and WebSocket (CSP
    /// level 3 lets 'self' cover ws: and wss: of the same host; older browsers need them named); no inline script or
    /// style, no framing, no forms posted anywhere.
    /// </summary>
    internal static string ContentSecurityPolicy(HostString host)
    {
        // Kestrel has already refused malformed Host headers; this check keeps anything but a host and port out of
        // the header whatever server runs the app.
        var authority = host.ToUriComponent();
        var sockets = authority.Length is > 0 and <= 255 && authority.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']')
            ? $" ws://{authority} wss://{authority}"
            : string.Empty;
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
            $"connect-src 'self'{sockets}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }
}
