using System.Globalization;
using System.Text.Json;
using Floodgate.AspNetCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Floodgate.Replay.Policies;

/// <summary>
/// Reads a candidate from JSON in either of the forms a Floodgate user has: an <c>appsettings.json</c> with a
/// <c>Floodgate</c> section (bound and validated exactly as the application binds it), or a list of policies as the
/// service's <c>GET /admin/configs</c> returns them and <c>POST /admin/configs</c> takes them.
/// </summary>
internal static class PolicyFile
{
    private static readonly HashSet<string> PolicyFields = new(StringComparer.Ordinal)
    {
        "id", "path", "methods", "limit", "window", "algorithm", "burst", "cost", "scope", "sensitive", "updated_at",
    };

    /// <summary>Reads <paramref name="path"/>; <paramref name="settingsPath"/> supplies the options that a list of policies runs under.</summary>
    /// <exception cref="PolicyFileException">The file cannot be read or is not a candidate.</exception>
    public static Candidate Load(string path, string? settingsPath)
    {
        var text = Read(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new PolicyFileException($"{path}: not JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                var options = settingsPath is null ? new FloodgateOptions() : Settings(settingsPath);
                return new Candidate(options, Policies(root, path), $"{root.GetArrayLength()} admin policies" + (settingsPath is null ? "" : $" over {Path.GetFileName(settingsPath)}"));
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(FloodgateOptions.SectionName, out _))
            {
                if (settingsPath is not null)
                {
                    throw new PolicyFileException($"{path} is a settings file itself; --settings goes with a list of admin policies.");
                }

                return new Candidate(Settings(path), [], $"settings ({FloodgateOptions.SectionName} section)");
            }

            throw new PolicyFileException(
                $"{path}: expected a list of policies as GET /admin/configs returns them ([{{\"id\": \"api\", \"path\": \"/api/**\", \"limit\": 100, \"window\": \"minute\"}}]) " +
                $"or an appsettings.json with a \"{FloodgateOptions.SectionName}\" section.");
        }
    }

    /// <summary>The <c>Floodgate</c> section of a settings file, bound and validated as <c>AddFloodgate</c> does at start-up.</summary>
    private static FloodgateOptions Settings(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new PolicyFileException($"{path}: no such file.");
        }

        try
        {
            var configuration = new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build();
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(configuration);
            services.AddLogging();
            services.AddFloodgate();
            using var provider = services.BuildServiceProvider();
            return provider.GetRequiredService<IOptions<FloodgateOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            throw new PolicyFileException(string.Join(Environment.NewLine, ex.Failures.Select(f => $"{path}: {f}")));
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException)
        {
            throw new PolicyFileException($"{path}: {ex.Message}");
        }
    }

    /// <summary>The admin API's policy documents as rules, with one error per field that is not as the API accepts it.</summary>
    private static List<RuleOptions> Policies(JsonElement list, string path)
    {
        var rules = new List<RuleOptions>();
        var errors = new List<string>();
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var at = $"{path}: [{index}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{at}: a policy is a JSON object.");
                index++;
                continue;
            }

            var before = errors.Count;
            foreach (var property in item.EnumerateObject())
            {
                if (!PolicyFields.Contains(property.Name))
                {
                    errors.Add($"{at}.{property.Name}: not a policy field (accepted: {string.Join(", ", PolicyFields)}).");
                }
            }

            var id = Text(item, "id", at, errors);
            var limit = Number(item, "limit", at, errors);
            var window = Text(item, "window", at, errors);
            var algorithm = Text(item, "algorithm", at, errors);
            var scope = Text(item, "scope", at, errors);
            var rule = new RuleOptions
            {
                Name = id ?? $"policy-{index + 1}",
                Path = Text(item, "path", at, errors),
                Methods = Methods(item, at, errors),
                Limit = limit is null || window is null ? null : string.Create(CultureInfo.InvariantCulture, $"{limit}/{window}"),
                Burst = Number(item, "burst", at, errors),
                Cost = Number(item, "cost", at, errors) ?? 1,
                Sensitive = item.TryGetProperty("sensitive", out var sensitive) && sensitive.ValueKind is JsonValueKind.True or JsonValueKind.False ? sensitive.GetBoolean() : null,
            };

            if (limit is null || window is null)
            {
                errors.Add($"{at}: \"limit\" (a number) and \"window\" (\"minute\", \"10s\", \"1h\"...) are required.");
            }

            if (algorithm is not null)
            {
                rule.Algorithm = TryEnum<RateLimitAlgorithm>(algorithm, out var parsed) ? parsed : Invalid<RateLimitAlgorithm>(at, "algorithm", algorithm, errors);
            }

            if (scope is not null)
            {
                rule.Scope = TryEnum<RuleScope>(scope, out var parsed) ? parsed : Invalid<RuleScope>(at, "scope", scope, errors);
            }

            if (errors.Count == before)
            {
                rules.Add(rule);
            }

            index++;
        }

        return errors.Count == 0 ? rules : throw new PolicyFileException(string.Join(Environment.NewLine, errors));
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PolicyFileException($"{path}: {ex.Message}");
        }
    }

    private static string? Text(JsonElement item, string name, string at, List<string> errors)
    {
        if (!item.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (field.ValueKind == JsonValueKind.String)
        {
            return field.GetString();
        }

        errors.Add($"{at}.{name}: must be a string.");
        return null;
    }

    private static long? Number(JsonElement item, string name, string at, List<string> errors)
    {
        if (!item.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (field.ValueKind == JsonValueKind.Number && field.TryGetInt64(out var value))
        {
            return value;
        }

        errors.Add($"{at}.{name}: must be a whole number.");
        return null;
    }

    private static List<string> Methods(JsonElement item, string at, List<string> errors)
    {
        if (!item.TryGetProperty("methods", out var field) || field.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (field.ValueKind == JsonValueKind.Array && field.EnumerateArray().All(m => m.ValueKind == JsonValueKind.String))
        {
            return [.. field.EnumerateArray().Select(m => m.GetString()!)];
        }

        errors.Add($"{at}.methods: must be a list of HTTP methods such as [\"GET\", \"POST\"].");
        return [];
    }

    /// <summary>An enum value by name in any case, also in snake_case (<c>token_bucket</c>), as the admin API reads it.</summary>
    private static bool TryEnum<T>(string text, out T value)
        where T : struct, Enum
    {
        value = default;
        var trimmed = text.Trim();
        return trimmed.Length > 0 && !char.IsAsciiDigit(trimmed[0]) &&
            Enum.TryParse(trimmed.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out value) && Enum.IsDefined(value);
    }

    private static T Invalid<T>(string at, string name, string text, List<string> errors)
        where T : struct, Enum
    {
        errors.Add($"{at}.{name}: one of {string.Join(", ", Enum.GetNames<T>())} (any case, or snake_case); was '{text}'.");
        return default;
    }
}
