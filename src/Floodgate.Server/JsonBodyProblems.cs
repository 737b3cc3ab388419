namespace Floodgate.Server;

/// <summary>The error responses of a route that reads its body with <see cref="Json.ReadAsync"/>.</summary>
internal static class JsonBodyProblems
{
    /// <summary>400 with an <c>errors</c> entry per field, 413 over <see cref="Json.MaxBody"/>, 415 for a body that is not JSON.</summary>
    public static RouteHandlerBuilder ProducesJsonBodyProblems(this RouteHandlerBuilder builder) => builder
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
}
