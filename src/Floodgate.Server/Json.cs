using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Floodgate.Server;

/// <summary>Reads a JSON body with a clear 400 problem for anything malformed: never a 500.</summary>
internal static class Json
{
    private const long MaxBody = 64 * 1024;

    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: "Send the body as application/json."));
        }

        if (context.Request.ContentLength > MaxBody)
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large", detail: $"At most {MaxBody} bytes."));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted);
            return value is null
                ? (null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid body", detail: "The body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid JSON", detail: ex.Path is { Length: > 0 } path ? $"Malformed at {path}." : "The body is not valid JSON."));
        }
    }
}
