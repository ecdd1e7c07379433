using System.Text;
using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;

namespace Remediator.Core.Tests.Support;

/// <summary>
/// The shapes the README lists, one renderer each: the events of a log group in, the file a person would have in hand
/// out. The awscli formats follow awscli 2.9's formatters (customizations/logs/tail.py, as in fixtures/shapes); the
/// console's as its copy buttons and expanded rows give them; the JSON and CSV ones as the CLI and Logs Insights
/// export them.
/// </summary>
public static class LogShapes
{
    public const string Stream = "c9f0f895fb98ab9156f5a0b47e7b1e2a";

    private static readonly DateTimeOffset Start = new(2024, 5, 2, 16, 9, 42, 123, TimeSpan.Zero);

    private static DateTimeOffset Time(int i) => Start.AddMilliseconds(i);

    /// <summary>Shape name to renderer of (events, log group).</summary>
    public static IReadOnlyDictionary<string, Func<IReadOnlyList<string>, string, string>> Renderers { get; } =
        new Dictionary<string, Func<IReadOnlyList<string>, string, string>>(StringComparer.Ordinal)
        {
            ["tail-detailed"] = (events, _) => Lines(events, (e, i) => $"{Time(i):yyyy-MM-ddTHH:mm:ss.ffffff}+00:00 {Stream} {e}"),
            ["tail-short"] = (events, _) => Lines(events, (e, i) => $"{Time(i):yyyy-MM-ddTHH:mm:ss} {e}"),
            ["tail-color"] = (events, _) => Lines(events, (e, i) => $"\u001b[32m{Time(i):yyyy-MM-ddTHH:mm:ss.ffffff}+00:00\u001b[0m \u001b[36m{Stream}\u001b[0m {e}"),
            ["tail-group"] = (events, group) => Lines(events, (e, i) => $"{group} {Time(i):yyyy-MM-ddTHH:mm:ss.ffffff}+00:00 {Stream} {e}"),
            ["console-numbered"] = (events, _) => Lines(events, (e, i) => $"{i + 1} {Time(i):yyyy-MM-ddTHH:mm:ss.fff}Z {e}"),
            ["console-tabs"] = (events, _) => Lines(events, (e, i) => $"{Time(i):yyyy-MM-ddTHH:mm:ss.fff}Z\t{e}"),
            ["console-numbered-tabs"] = (events, _) => Lines(events, (e, i) => $"{i + 1}\t{Time(i):yyyy-MM-ddTHH:mm:ss.fff}Z\t{e}"),
            ["console-pipes"] = (events, _) => "-- | --\n" + Lines(events, (e, i) => $"  | {Time(i):yyyy-MM-ddTHH:mm:ss.fff}Z | {e}"),
            // A paste with the editor's or the ticket's line numbers in front, no time of its own.
            ["row-numbered"] = (events, _) => Lines(events, (e, i) => $"{i + 1} {e}"),
            ["row-numbered-tabs"] = (events, _) => Lines(events, (e, i) => $"{i + 1}\t{e}"),
            ["iso"] = (events, _) => Lines(events, (e, i) => $"{Time(i):yyyy-MM-ddTHH:mm:ss.fff}Z {e}"),
            ["shortened-ids"] = (events, _) => Lines(events, (e, _) => ShortenId(e)),
            ["insights-json"] = (events, _) => InsightsJson(events, (w, e) => w.WriteString("@message", e)),
            // Insights shows a JSON log line (an access-log entry) as an object.
            ["insights-json-object"] = (events, _) => InsightsJson(events, (w, e) =>
            {
                w.WritePropertyName("@message");
                using var doc = JsonDocument.Parse(e);
                doc.RootElement.WriteTo(w);
            }),
            ["insights-csv"] = (events, group) => "@timestamp,@message,@log\n" + Lines(events, (e, i) =>
                $"{Time(i):yyyy-MM-dd HH:mm:ss.fff},\"{e.Replace("\"", "\"\"", StringComparison.Ordinal)}\",123456789012:{group}"),
            ["filter-log-events"] = (events, _) => JsonOf(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("events");
                for (var i = 0; i < events.Count; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("logStreamName", Stream);
                    w.WriteNumber("timestamp", Time(i).ToUnixTimeMilliseconds());
                    w.WriteString("message", events[i]);
                    w.WriteNumber("ingestionTime", Time(i).ToUnixTimeMilliseconds() + 500);
                    w.WriteString("eventId", $"3864{i:D20}");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("searchedLogStreams");
                w.WriteEndArray();
                w.WriteEndObject();
            }),
            ["data-message"] = (events, group) => JsonOf(w =>
            {
                w.WriteStartObject();
                w.WriteString("messageType", "DATA_MESSAGE");
                w.WriteString("owner", "123456789012");
                w.WriteString("logGroup", group);
                w.WriteString("logStream", Stream);
                w.WriteStartArray("subscriptionFilters");
                w.WriteStringValue("remediator");
                w.WriteEndArray();
                w.WriteStartArray("logEvents");
                for (var i = 0; i < events.Count; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("id", $"3864{i:D20}");
                    w.WriteNumber("timestamp", Time(i).ToUnixTimeMilliseconds());
                    w.WriteString("message", events[i]);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }),
            // The subscription envelope is ASCII (base64 inside JSON).
            ["envelope"] = (events, group) => Encoding.ASCII.GetString(Fixtures.Envelope(group, events)),
        };

    public static string Render(string shape, IReadOnlyList<string> events, string group) => Renderers[shape](events, group);

    /// <summary>
    /// The events of a file: a line for which <paramref name="startsEvent"/> is false continues the event before it
    /// (a multi-line error message or body), as CloudWatch stores it.
    /// </summary>
    public static List<string> Events(string fixture, Func<string, bool> startsEvent)
    {
        var events = new List<string>();
        foreach (var line in File.ReadAllLines(Fixtures.PathOf(fixture)).Where(l => l.Length > 0))
        {
            if (startsEvent(line) || events.Count == 0)
            {
                events.Add(line);
            }
            else
            {
                events[^1] += "\n" + line;
            }
        }
        return events;
    }

    /// <summary>
    /// What a shape must keep: each finding's cause, status, count, route, function, ids, error and evidence, and the
    /// counts. <paramref name="ids"/> false compares the number of ids only; <paramref name="api"/> adds the API id
    /// and stage (not for shapes whose log group names them where the plain file does not).
    /// </summary>
    public static string Signature(DiagnosisResult r, bool ids = true, bool api = false) => string.Join(" | ", r.Findings.Select(f =>
        $"{f.Cause.ToName()} {f.Reason?.ToName()} {f.Status} x{f.Count} {f.ApiType?.ToName()} {f.LogKind.ToName()} {f.Key.HttpMethod} {f.Key.ResourcePath} {f.Key.RouteKey} {f.Key.FunctionArn}:{f.Key.Qualifier} "
        + $"[{(ids ? string.Join(',', f.RequestIds) : f.RequestIds.Count)}] {f.ErrorType} {f.ErrorMessage} {f.Evidence}{(api ? $" {f.Key.ApiId}/{f.Key.Stage}" : "")}"))
        + $" / {r.Summary.Requests} {r.Summary.Failed}";

    private static string Lines(IReadOnlyList<string> events, Func<string, int, string> line) =>
        string.Concat(events.Select((e, i) => line(e, i) + "\n"));

    /// <summary>"(a8d3a6db-9d36-...) text" as "(a8d3a6db...) text": the prefix only, ids inside the text stay whole.</summary>
    private static string ShortenId(string e) => e.StartsWith('(') && e.IndexOf(')') is > 9 and var close ? $"({e[1..9]}...){e[(close + 1)..]}" : e;

    private static string InsightsJson(IReadOnlyList<string> events, Action<Utf8JsonWriter, string> message) => JsonOf(w =>
    {
        w.WriteStartArray();
        for (var i = 0; i < events.Count; i++)
        {
            w.WriteStartObject();
            w.WriteString("@timestamp", $"{Time(i):yyyy-MM-dd HH:mm:ss.fff}");
            message(w, events[i]);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static string JsonOf(Action<Utf8JsonWriter> write)
    {
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true }))
        {
            write(w);
        }
        return Encoding.UTF8.GetString(json.ToArray());
    }
}
