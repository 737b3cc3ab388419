using Microsoft.Net.Http.Headers;

namespace Floodgate.Server.Dashboard;

/// <summary>One file of the dashboard, ready to send: its bytes, its content type and a strong ETag of its bytes.</summary>
internal sealed record DashboardFile(byte[] Contents, string ContentType, EntityTagHeaderValue ETag);
