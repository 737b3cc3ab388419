using System.Text.Json.Serialization;
using Floodgate.AspNetCore;
using Floodgate.AspNetCore.Policies;

namespace Floodgate.Server.Policies;

/// <summary>A policy as the admin API reads and writes it. A field it does not know is refused, never ignored.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PolicyDocument
{
    /// <summary>The id, also the policy's name in headers and metrics. Letters, digits, '-', '_' and '.'; generated when omitted on create.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    /// <summary>Path pattern: <c>*</c> one segment, <c>**</c> any number.</summary>
    [JsonPropertyName("path")]
    public string? Path { get; init; }

    /// <summary>HTTP methods; all when empty.</summary>
    [JsonPropertyName("methods")]
    public List<string>? Methods { get; init; }

    /// <summary>Requests admitted per window.</summary>
    [JsonPropertyName("limit")]
    public long? Limit { get; init; }

    /// <summary>The window: <c>minute</c>, <c>10s</c>, <c>1h</c>, <c>day</c>...</summary>
    [JsonPropertyName("window")]
    public string? Window { get; init; }

    /// <summary>SlidingWindowCounter, SlidingWindowLog, TokenBucket, FixedWindow or Gcra, in any case, also snake_case (<c>token_bucket</c>).</summary>
    [JsonPropertyName("algorithm")]
    public string? Algorithm { get; init; }

    /// <summary>Bucket size (TokenBucket) or burst tolerance (Gcra).</summary>
    [JsonPropertyName("burst")]
    public long? Burst { get; init; }

    /// <summary>Units one request takes; default 1.</summary>
    [JsonPropertyName("cost")]
    public long? Cost { get; init; }

    /// <summary>Client (default), ApiKey, Ip, Endpoint or Global.</summary>
    [JsonPropertyName("scope")]
    public string? Scope { get; init; }

    /// <summary>Guards against guessing: the limits hold for the address of an unverified client as well. Default: on for credential paths (<c>/auth/login</c>, <c>/oauth/token</c>...).</summary>
    [JsonPropertyName("sensitive")]
    public bool? Sensitive { get; init; }

    /// <summary>When it was last written (set by the server).</summary>
    [JsonPropertyName("updated_at")]
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Checks every field; returns errors keyed by field name (empty when valid).</summary>
    internal Dictionary<string, string[]> Validate(FloodgateOptions options)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (Id is not null && (Id.Length is 0 or > 64 || Id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || Id == "default"))
        {
            errors["id"] = ["1 to 64 letters, digits, '-', '_' or '.'; not 'default'."];
        }

        if (!RuleValidator.IsValidPath(Path, out var pathError))
        {
            errors["path"] = [pathError + "."];
        }

        if (Limit is null or < 1 or > RateLimit.MaxCount)
        {
            errors["limit"] = [$"A whole number between 1 and {RateLimit.MaxCount} is required."];
        }

        if (string.IsNullOrWhiteSpace(Window) || !RateLimit.TryParse($"1/{Window}", out _))
        {
            errors["window"] = ["A window such as \"minute\", \"10s\", \"1h\" or \"day\" is required."];
        }

        if (Algorithm is not null && !EnumNames.TryParse<RateLimitAlgorithm>(Algorithm, out _))
        {
            errors["algorithm"] = [$"One of {EnumNames.List<RateLimitAlgorithm>()} (any case, or snake_case such as token_bucket); was '{Algorithm}'."];
        }

        if (Scope is not null && !EnumNames.TryParse<RuleScope>(Scope, out _))
        {
            errors["scope"] = [$"One of {EnumNames.List<RuleScope>()}; was '{Scope}'."];
        }

        if (Burst is < 1 or > RateLimit.MaxCount)
        {
            errors["burst"] = [$"A whole number between 1 and {RateLimit.MaxCount}; was {Burst}."];
        }

        if (Cost is < 1 || Cost > Limit)
        {
            errors["cost"] = ["At least 1 and at most the limit."];
        }

        if (Methods is { } methods && methods.Any(m => string.IsNullOrWhiteSpace(m) || m.Length > 16 || !m.All(char.IsAsciiLetter)))
        {
            errors["methods"] = ["HTTP method names such as GET or POST."];
        }

        if (errors.Count == 0)
        {
            // Everything parses on its own; let the rule compiler judge the combination (e.g. a burst on FixedWindow).
            var problems = RuleValidator.Validate(ToRule(), options, "policy");
            if (problems.Count > 0)
            {
                errors[Burst is null ? "limit" : "burst"] = [.. problems];
            }
        }

        return errors;
    }

    /// <summary>The same policy with its algorithm and scope under their own names (<c>token_bucket</c> is stored as <c>TokenBucket</c>).</summary>
    internal PolicyDocument Canonical() => this with
    {
        Algorithm = EnumNames.TryParse<RateLimitAlgorithm>(Algorithm, out var algorithm) ? algorithm.ToString() : Algorithm,
        Scope = EnumNames.TryParse<RuleScope>(Scope, out var scope) ? scope.ToString() : Scope,
    };

    internal RuleOptions ToRule() => new()
    {
        Name = Id,
        Path = Path,
        Methods = Methods ?? [],
        Limit = $"{Limit}/{Window}",
        Algorithm = EnumNames.TryParse<RateLimitAlgorithm>(Algorithm, out var algorithm) ? algorithm : null,
        Burst = Burst,
        Cost = Cost ?? 1,
        Scope = EnumNames.TryParse<RuleScope>(Scope, out var scope) ? scope : RuleScope.Client,
        Sensitive = Sensitive,
    };
}
