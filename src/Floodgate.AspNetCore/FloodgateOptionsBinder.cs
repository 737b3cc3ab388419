using Floodgate.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Floodgate.AspNetCore;

/// <summary>
/// Binds section <c>Floodgate</c>. Every configured value is first checked against the type of the option it sets
/// (walking <see cref="FloodgateOptions"/> and its nested options, lists and dictionaries), so that a typo stops
/// start-up with the key, the value and what is accepted instead of the binder's bare conversion error.
/// </summary>
internal sealed class FloodgateOptionsBinder(IConfiguration configuration) : IConfigureOptions<FloodgateOptions>
{
    public void Configure(FloodgateOptions options)
    {
        var section = configuration.GetSection(FloodgateOptions.SectionName);
        ConfigurationCheck.Check<FloodgateOptions>(section);

        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException(FloodgateOptions.SectionName, typeof(FloodgateOptions), [ex.Message]);
        }
    }
}
