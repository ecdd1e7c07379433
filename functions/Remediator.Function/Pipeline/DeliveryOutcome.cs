using System.Text.Json;
using Remediator.Core.Notify;
using Remediator.Core.Report;

namespace Remediator.Function.Pipeline;

/// <summary>What one delivery produced. The handler returns it as JSON; replay prints it.</summary>
public sealed record DeliveryOutcome(
    bool Control,
    long LogEvents,
    long Requests,
    long FailedRequests,
    IReadOnlyList<OutgoingMessage> Published,
    int Suppressed,
    IReadOnlyList<string> Failures)
{
    /// <summary>Findings held back because they had fewer failed requests than REMEDIATOR_ALERT_MIN_REQUESTS.</summary>
    public int BelowThreshold { get; init; }

    public Stream ToJsonStream()
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, JsonReport.Options(indented: false)))
        {
            w.WriteStartObject();
            w.WriteBoolean("control", Control);
            w.WriteNumber("logEvents", LogEvents);
            w.WriteNumber("requests", Requests);
            w.WriteNumber("failedRequests", FailedRequests);
            w.WriteNumber("published", Published.Count);
            w.WriteNumber("suppressed", Suppressed);
            w.WriteNumber("belowThreshold", BelowThreshold);
            // A digest holds several findings: every finding published, each once.
            w.WriteStartArray("findingIds");
            foreach (var id in Published.SelectMany(m => m.FindingIds).Distinct())
            {
                w.WriteStringValue(id);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        buffer.Position = 0;
        return buffer;
    }
}

/// <summary>The delivery is not a CloudWatch Logs subscription delivery Remediator can read. The invocation fails, so
/// that Lambda's retries and the on-failure destination keep the payload.</summary>
public sealed class UndecodableDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Some findings could not be published after retries. The invocation fails so that the delivery is retried
/// (already published findings may be sent again: their findingId lets consumers de-duplicate).</summary>
public sealed class PublishFailedException(string message, IReadOnlyList<string>? failures = null) : Exception(message)
{
    /// <summary>One line per finding not published: its id and why.</summary>
    public IReadOnlyList<string> Failures { get; } = failures ?? [];
}
