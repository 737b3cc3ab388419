using Microsoft.Extensions.Options;

namespace Floodgate.Server.Live;

/// <summary>Stops start-up on an invalid <c>Floodgate:Live</c> value, naming the key.</summary>
internal sealed class LiveOptionsValidator : IValidateOptions<LiveOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveOptions options)
    {
        var errors = LiveOptions.Validate(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
