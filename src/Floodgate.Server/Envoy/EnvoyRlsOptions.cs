using System.Net;
using Microsoft.Extensions.Options;

namespace Floodgate.Server.Envoy;

/// <summary>
/// Section <c>Floodgate:Envoy</c>: Envoy's rate limit service (<c>envoy.service.ratelimit.v3.RateLimitService</c>) on a
/// port of its own, speaking HTTP/2 without TLS as Envoy's <c>rate_limit_service</c> cluster expects. Off by default.
/// </summary>
public sealed class EnvoyRlsOptions
{
    public const string SectionName = "Floodgate:Envoy";

    /// <summary>Serve the rate limit service. Off by default: it needs a configuration to decide anything.</summary>
    public bool Enabled { get; set; }

    /// <summary>The gRPC port (HTTP/2 without TLS); envoyproxy/ratelimit's is 8081 too.</summary>
    public int Port { get; set; } = 8081;

    /// <summary>Where to listen: <c>localhost</c> (default), an IP address, or <c>*</c> for every address.</summary>
    public string Address { get; set; } = "localhost";

    /// <summary>
    /// envoyproxy/ratelimit YAML files, or directories whose <c>*.yaml</c> and <c>*.yml</c> files are read (one domain
    /// per file). Required when enabled.
    /// </summary>
    public List<string> Config { get; set; } = [];

    /// <summary>Reload when the configuration files change, ConfigMap volumes included (a bad file is logged and the last good configuration kept).</summary>
    public bool Watch { get; set; } = true;

    /// <summary>Use polling instead of file-system events (for mounts that send none, such as some container volumes).</summary>
    public bool PollForChanges { get; set; }

    /// <summary>How long a change must settle before it is read, so that a file is not read half-written.</summary>
    public TimeSpan ReloadDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Answer OK even when a limit is exceeded (the statuses still say OVER_LIMIT), as envoyproxy/ratelimit's
    /// <c>SHADOW_MODE</c>: a dry run of a whole configuration.
    /// </summary>
    public bool ShadowMode { get; set; }

    /// <summary>
    /// Add the limit, remaining and reset headers of the descriptor closest to its limit to <c>response_headers_to_add</c>,
    /// as envoyproxy/ratelimit's <c>LIMIT_RESPONSE_HEADERS_ENABLED</c>. Off by default, as there.
    /// </summary>
    public bool ResponseHeaders { get; set; }

    /// <summary>Name of the limit header.</summary>
    public string LimitHeader { get; set; } = "X-RateLimit-Limit";

    /// <summary>Name of the remaining header.</summary>
    public string RemainingHeader { get; set; } = "X-RateLimit-Remaining";

    /// <summary>Name of the reset header (whole seconds).</summary>
    public string ResetHeader { get; set; } = "X-RateLimit-Reset";

    internal static IEnumerable<string> Validate(EnvoyRlsOptions options)
    {
        if (!options.Enabled)
        {
            yield break;
        }

        if (options.Port is < 1 or > 65535)
        {
            yield return $"{SectionName}:Port must be between 1 and 65535 (was {options.Port}).";
        }

        if (options.Address is not ("localhost" or "*") && !IPAddress.TryParse(options.Address, out _))
        {
            yield return $"{SectionName}:Address must be localhost, * or an IP address (was '{options.Address}').";
        }

        if (options.Config.Count == 0 || options.Config.Exists(string.IsNullOrWhiteSpace))
        {
            yield return $"{SectionName}:Config must name one or more YAML files or directories when {SectionName}:Enabled is true.";
        }

        if (options.ReloadDelay < TimeSpan.Zero || options.ReloadDelay > TimeSpan.FromMinutes(1))
        {
            yield return $"{SectionName}:ReloadDelay must be between 00:00:00 and 00:01:00 (was {options.ReloadDelay}).";
        }

        foreach (var (key, value) in new[] { ("LimitHeader", options.LimitHeader), ("RemainingHeader", options.RemainingHeader), ("ResetHeader", options.ResetHeader) })
        {
            if (string.IsNullOrEmpty(value) || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                yield return $"{SectionName}:{key} must be a header name of letters, digits, '-' and '_' (was '{value}').";
            }
        }
    }
}
