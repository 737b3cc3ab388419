namespace Floodgate.AspNetCore.Policies;

/// <summary>Exempts a controller, action or endpoint from every Floodgate layer.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class DisableRateLimitAttribute : Attribute
{
}
