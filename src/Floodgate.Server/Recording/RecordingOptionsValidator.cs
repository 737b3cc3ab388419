using Microsoft.Extensions.Options;

namespace Floodgate.Server.Recording;

/// <summary>Stops start-up on an invalid <c>Floodgate:Recording</c> value, naming the key.</summary>
internal sealed class RecordingOptionsValidator : IValidateOptions<RecordingOptions>
{
    public ValidateOptionsResult Validate(string? name, RecordingOptions options)
    {
        var errors = RecordingOptions.Validate(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
