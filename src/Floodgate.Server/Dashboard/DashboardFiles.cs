using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Floodgate.Server.Dashboard;

/// <summary>
/// The dashboard's files (<c>Dashboard/www/**</c>, embedded with a manifest that keeps their paths), read once at
/// start-up with their content type and a strong ETag computed from their bytes.
/// </summary>
internal sealed class DashboardFiles
{
    private const string Root = "Dashboard/www";
    private readonly Dictionary<string, DashboardFile> _files;

    private DashboardFiles(Dictionary<string, DashboardFile> files) => _files = files;

    public static DashboardFiles Load()
    {
        var provider = new ManifestEmbeddedFileProvider(typeof(DashboardFiles).Assembly, Root);
        var types = new FileExtensionContentTypeProvider();
        var files = new Dictionary<string, DashboardFile>(StringComparer.Ordinal);
        Add(provider, types, string.Empty, files);
        return new DashboardFiles(files);
    }

    /// <summary>The file at <paramref name="path"/> (relative to the dashboard, e.g. <c>js/app.js</c>), or <see langword="null"/>.</summary>
    public DashboardFile? Find(string? path) =>
        path is not null && _files.TryGetValue(path, out var file) ? file : null;

    private static void Add(IFileProvider provider, FileExtensionContentTypeProvider types, string directory, Dictionary<string, DashboardFile> files)
    {
        // The provider reads "/" as its root ("" is no path at all).
        foreach (var entry in provider.GetDirectoryContents("/" + directory))
        {
            var path = directory.Length == 0 ? entry.Name : directory + "/" + entry.Name;
            if (entry.IsDirectory)
            {
                Add(provider, types, path, files);
                continue;
            }

            using var stream = entry.CreateReadStream();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var contents = buffer.ToArray();
            var contentType = types.TryGetContentType(entry.Name, out var known) ? known : "text/plain";
            if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType == "image/svg+xml")
            {
                contentType += "; charset=utf-8";
            }

            var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(contents).AsSpan(0, 12)) + "\"");
            files[path] = new DashboardFile(contents, contentType, etag);
        }
    }
}
