using Microsoft.Extensions.Options;

namespace Floodgate.Server.NearLimit;

/// <summary>Stops start-up on an invalid <c>Floodgate:NearLimit</c> value, naming the key.</summary>
internal sealed class NearLimitOptionsValidator : IValidateOptions<NearLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, NearLimitOptions options)
    {
        var errors = NearLimitOptions.Validate(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
