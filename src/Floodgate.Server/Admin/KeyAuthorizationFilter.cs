namespace Floodgate.Server.Admin;

/// <summary>An endpoint filter that answers 401 with problem+json unless <see cref="KeyAuthorization"/> lets the caller in.</summary>
internal sealed class KeyAuthorizationFilter(KeyAuthorization authorization, string realm) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (authorization.IsAuthorized(context.HttpContext))
        {
            return next(context);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{realm}\"";
        var detail = authorization.HasKeys
            ? $"Send the {realm} key as X-Admin-Key or Authorization: Bearer."
            : $"No {realm} key is configured, so only loopback callers that come through no proxy are allowed.";
        return ValueTask.FromResult<object?>(Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail));
    }
}
