using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;

namespace Floodgate.Server;

/// <summary>
/// Reads a JSON body with a clear 400 problem for anything malformed: never a 500. The body is capped at
/// <see cref="MaxBody"/> however it arrives (<c>Content-Length</c> or chunked): the cap is set on the request
/// (<see cref="IHttpMaxRequestBodySizeFeature"/>) before the first read, so the server stops reading at the cap and
/// answers 413 without holding the rest.
/// </summary>
internal static class Json
{
    public const long MaxBody = 64 * 1024;

    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: "Send the body as application/json."));
        }

        if (context.Request.ContentLength > MaxBody)
        {
            return (null, TooLarge());
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit && !(limit.MaxRequestBodySize <= MaxBody))
        {
            limit.MaxRequestBodySize = MaxBody;
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted);
            return value is null
                ? (null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid body", detail: "The body must be a JSON object."))
                : (value, null);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        catch (BadHttpRequestException ex)
        {
            return (null, Results.Problem(statusCode: ex.StatusCode, title: "Bad request", detail: "The body could not be read."));
        }
        catch (JsonException ex) when (Field(ex.Path) is { } field)
        {
            // A field of the wrong type ("limit": "abc") or one the body may not have: an errors entry that names it.
            var message = ex.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? $"unknown field '{field}'"
                : $"'{field}' has the wrong type or is malformed";
            return (null, Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message + "."] }, title: "Invalid body"));
        }
        catch (JsonException ex)
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid JSON", detail: ex.Path is { Length: > 0 } path ? $"Malformed at {path}." : "The body is not valid JSON."));
        }
    }

    /// <summary>The field a JSON path names: <c>$.limit</c> is <c>limit</c>, <c>$.checks[1].cost</c> is <c>checks[1].cost</c>; null for the whole body.</summary>
    private static string? Field(string? path) =>
        path is { Length: > 2 } && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] :
        path is { Length: > 2 } && path.StartsWith("$['", StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal) ? path[3..^2] : null;

    private static IResult TooLarge() =>
        Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large", detail: $"At most {MaxBody} bytes.");
}
