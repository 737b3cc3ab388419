using System.Text.Json;
using Floodgate.Diagnostics;

namespace Floodgate.Server.Live;

/// <summary><c>allowed</c> or <c>denied</c>: one limited request and what Floodgate decided.</summary>
internal sealed class DecisionEvent(DateTimeOffset time, string client, string endpoint, string policy, RateLimitDecision decision, int status, bool allowed)
    : LiveEvent(allowed ? "allowed" : "denied", time)
{
    public override string? Client => client;

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("client", client);
        writer.WriteString("endpoint", endpoint);
        writer.WriteString("policy", policy);
        writer.WriteString("layer", RateLimitNames.Layer(decision.Layer == RateLimitLayer.None ? RateLimitLayer.Client : decision.Layer));
        writer.WriteNumber("limit", decision.Limit);
        writer.WriteNumber("remaining", decision.Remaining);
        writer.WriteNumber("status", status);
        if (!allowed)
        {
            writer.WriteString("reason", RateLimitNames.Reason(decision.Reason == RateLimitDenialReason.None ? RateLimitDenialReason.LimitExceeded : decision.Reason));
            if (!decision.CanRetry)
            {
                writer.WriteNull("retry_after");
            }
            else
            {
                writer.WriteNumber("retry_after", (long)Math.Ceiling(Math.Max(decision.RetryAfter.TotalSeconds, 0)));
            }
        }
    }
}
