using System.Text.Json;
using Remediator.Core.Report;

namespace Remediator.Function.Observability;

/// <summary>What one invocation did, in numbers.</summary>
public sealed record DeliveryMetrics
{
    public int Deliveries { get; init; } = 1;
    public long LogEvents { get; init; }
    public long FailedRequests { get; init; }
    public int Findings { get; init; }
    public int MessagesPublished { get; init; }
    public int MessagesSuppressed { get; init; }
    /// <summary>Findings not sent because they had fewer failed requests than REMEDIATOR_ALERT_MIN_REQUESTS.</summary>
    public int FindingsBelowThreshold { get; init; }
    public int PublishFailures { get; init; }
    public int DecodeFailures { get; init; }
    /// <summary>Events left out of an otherwise readable delivery (not UTF-8, an unpaired surrogate escape).</summary>
    public long SkippedLogEvents { get; init; }
    public double DurationMs { get; init; }
    public IReadOnlyDictionary<string, long> FailedRequestsByCause { get; init; } = new Dictionary<string, long>();
}

/// <summary>
/// CloudWatch Embedded Metric Format lines, namespace <c>Remediator</c>: one line with the totals (no
/// dimensions), and one line per cause seen with the dimension <c>Cause</c>. Each line is one JSON object with
/// nothing before or after it, written to the raw stdout stream.
/// </summary>
public static class EmfMetrics
{
    public const string Namespace = "Remediator";

    public static IEnumerable<string> Lines(DeliveryMetrics m, DateTimeOffset at)
    {
        yield return Line(at, [], new (string, string, double)[]
        {
            ("Deliveries", "Count", m.Deliveries),
            ("LogEvents", "Count", m.LogEvents),
            ("FailedRequests", "Count", m.FailedRequests),
            ("Findings", "Count", m.Findings),
            ("MessagesPublished", "Count", m.MessagesPublished),
            ("MessagesSuppressed", "Count", m.MessagesSuppressed),
            ("FindingsBelowThreshold", "Count", m.FindingsBelowThreshold),
            ("PublishFailures", "Count", m.PublishFailures),
            ("DecodeFailures", "Count", m.DecodeFailures),
            ("SkippedLogEvents", "Count", m.SkippedLogEvents),
            ("Duration", "Milliseconds", Math.Round(m.DurationMs, 3)),
        });
        foreach (var (cause, count) in m.FailedRequestsByCause.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            yield return Line(at, [("Cause", cause)], [("FailedRequests", "Count", count)]);
        }
    }

    private static string Line(DateTimeOffset at, (string Name, string Value)[] dimensions, (string Name, string Unit, double Value)[] metrics)
    {
        return JsonText.Write(JsonReport.Options(indented: false), w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("_aws");
            w.WriteNumber("Timestamp", at.ToUnixTimeMilliseconds());
            w.WriteStartArray("CloudWatchMetrics");
            w.WriteStartObject();
            w.WriteString("Namespace", Namespace);
            w.WriteStartArray("Dimensions");
            w.WriteStartArray();
            foreach (var d in dimensions)
            {
                w.WriteStringValue(d.Name);
            }
            w.WriteEndArray();
            w.WriteEndArray();
            w.WriteStartArray("Metrics");
            foreach (var metric in metrics)
            {
                w.WriteStartObject();
                w.WriteString("Name", metric.Name);
                w.WriteString("Unit", metric.Unit);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            foreach (var d in dimensions)
            {
                w.WriteString(d.Name, d.Value);
            }
            foreach (var metric in metrics)
            {
                w.WriteNumber(metric.Name, metric.Value);
            }
            w.WriteEndObject();
        });
    }
}
