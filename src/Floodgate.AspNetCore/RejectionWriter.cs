using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Floodgate.AspNetCore.Headers;
using Floodgate.AspNetCore.Policies;
using Floodgate.AspNetCore.Steps;
using Floodgate.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Floodgate.AspNetCore;

/// <summary>
/// The one place a denial becomes a response, whatever step denied: feature and metrics, the log line, the status,
/// the headers, the user's <see cref="FloodgateOptions.OnRejected"/>, then the <c>application/problem+json</c> body
/// (RFC 9457 with rate-limit members: <c>retry_after</c>, <c>limit</c>, <c>policy</c>, <c>layer</c>, <c>reason</c>, <c>client</c>).
/// </summary>
internal sealed class RejectionWriter(DecisionRecorder recorder, TimeProvider timeProvider, ILogger<FloodgateMiddleware> logger)
{
    private const string ProblemType = "https://www.rfc-editor.org/rfc/rfc6585#section-4";

    /// <summary>Where an idle <see cref="t_json"/> points; nothing is ever written to it.</summary>
    private static readonly ArrayBufferWriter<byte> DetachedJsonOutput = new(1);

    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText TypeValue = JsonEncodedText.Encode(ProblemType);
    private static readonly JsonEncodedText TitleName = JsonEncodedText.Encode("title");
    private static readonly JsonEncodedText StatusName = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText DetailName = JsonEncodedText.Encode("detail");
    private static readonly JsonEncodedText RetryAfterName = JsonEncodedText.Encode("retry_after");
    private static readonly JsonEncodedText LimitName = JsonEncodedText.Encode("limit");
    private static readonly JsonEncodedText PolicyName = JsonEncodedText.Encode("policy");
    private static readonly JsonEncodedText LayerName = JsonEncodedText.Encode("layer");
    private static readonly JsonEncodedText ReasonName = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText ClientName = JsonEncodedText.Encode("client");

    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    /// <summary>Turns <paramref name="verdict"/> (a rejection) into the response, with status <paramref name="status"/>.</summary>
    public async Task WriteAsync(HttpContext context, int status, FloodgateSettings settings, RateLimitPolicy policy, RequestVerdict verdict, long started, Activity? activity, CancellationToken cancellationToken)
    {
        recorder.Record(context, policy, verdict, started, activity);
        var decision = verdict.Decision;
        Log.Denied(logger, verdict.Client.Id, policy.Name, RateLimitNames.Layer(decision.Layer), RateLimitNames.Reason(decision.Reason), decision.RetryAfter);

        var response = context.Response;
        response.StatusCode = status;
        if (decision.Rule is not null)
        {
            RateLimitHeaders.Write(response, settings.Headers, policy, verdict.Limits, decision, timeProvider.GetUtcNow());
        }

        RateLimitHeaders.WriteRetryAfter(response, decision.RetryAfter);
        if (settings.Options.OnRejected is { } onRejected)
        {
            await onRejected(
                new RateLimitRejectedContext { HttpContext = context, Decision = decision, Policy = policy.Name, Client = verdict.Client, Tier = verdict.Tier },
                cancellationToken).ConfigureAwait(false);
            if (response.HasStarted)
            {
                return;
            }
        }

        response.ContentType = "application/problem+json";
        WriteBody(response.BodyWriter, response.StatusCode, policy, verdict);
        await response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Serialized straight into the response pipe (a few hundred bytes, synchronously): no body object, intermediate
    /// buffer or serializer state per rejection. The JSON writer is this thread's, reused: nothing awaits between taking
    /// it and letting go of the pipe.
    /// </summary>
    private static void WriteBody(IBufferWriter<byte> output, int status, RateLimitPolicy policy, in RequestVerdict verdict)
    {
        var json = t_json;
        if (json is null)
        {
            t_json = json = new Utf8JsonWriter(output);
        }
        else
        {
            json.Reset(output);
        }

        try
        {
            var decision = verdict.Decision;
            json.WriteStartObject();
            json.WriteString(TypeName, TypeValue);
            json.WriteString(TitleName, Title(status));
            json.WriteNumber(StatusName, status);
            json.WriteString(DetailName, Detail(decision));
            if (decision.RetryAfter == Timeout.InfiniteTimeSpan)
            {
                json.WriteNull(RetryAfterName);
            }
            else
            {
                json.WriteNumber(RetryAfterName, Math.Max(RateLimitHeaders.Seconds(decision.RetryAfter), 1));
            }

            json.WriteNumber(LimitName, decision.Limit);
            json.WriteString(PolicyName, policy.Name);
            json.WriteString(LayerName, RateLimitNames.Layer(decision.Layer));
            json.WriteString(ReasonName, RateLimitNames.Reason(decision.Reason));
            json.WriteString(ClientName, verdict.Client.Id);
            json.WriteEndObject();
            json.Flush();
        }
        finally
        {
            json.Reset(DetachedJsonOutput); // keeps no reference to this response's pipe
        }
    }

    private static string Title(int status) => status switch
    {
        420 => "Enhance Your Calm",
        503 => "Service Unavailable",
        _ => "Too Many Requests",
    };

    /// <summary>The problem's <c>detail</c>: what happened, in words, by reason and layer.</summary>
    internal static string Detail(in RateLimitDecision decision) => decision.Reason switch
    {
        RateLimitDenialReason.Banned => "You are temporarily banned for repeated violations.",
        RateLimitDenialReason.CircuitOpen => "The service is under heavy load and sheds anonymous traffic; try again later.",
        RateLimitDenialReason.CostExceedsLimit => "This request costs more than the limit admits at once.",
        RateLimitDenialReason.StoreUnavailable => "The rate-limit store cannot be reached; try again later.",
        _ => decision.Layer switch
        {
            RateLimitLayer.Global => "The service as a whole is over its limit.",
            RateLimitLayer.Endpoint => "This endpoint is over its limit for all clients.",
            _ => "You have exceeded the rate limit.",
        },
    };
}
