using Microsoft.Extensions.Options;

namespace Floodgate.AspNetCore;

/// <summary>Validates <see cref="FloodgateOptions"/> at start-up: every problem is reported with the key it concerns and the values it accepts.</summary>
internal sealed class FloodgateOptionsValidator(TimeProvider timeProvider) : IValidateOptions<FloodgateOptions>
{
    public ValidateOptionsResult Validate(string? name, FloodgateOptions options)
    {
        var errors = new List<string>();
        FloodgateSettings.Build(options, timeProvider, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
