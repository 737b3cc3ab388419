using Microsoft.Extensions.Options;

namespace Floodgate.Server.Envoy;

/// <summary>Stops start-up on an invalid <c>Floodgate:Envoy</c> value, naming the key.</summary>
internal sealed class EnvoyRlsOptionsValidator : IValidateOptions<EnvoyRlsOptions>
{
    public ValidateOptionsResult Validate(string? name, EnvoyRlsOptions options)
    {
        var errors = EnvoyRlsOptions.Validate(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
