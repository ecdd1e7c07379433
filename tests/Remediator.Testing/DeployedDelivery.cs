using System.Text.Json;
using System.Text.RegularExpressions;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;

namespace Remediator.Testing;

/// <summary>
/// Subscription deliveries as the deployed stack makes them: each event passes the filter pattern that the CDK stack
/// synthesizes for its kind of log group (the same constants, not copies) before it is encoded, so tests of the
/// deployed path see what production sees. An execution-log group (<c>API-Gateway-Execution-Logs_{api}/{stage}</c>)
/// gets <see cref="SubscriptionFilterTerms.Pattern"/>; any other group is an access-log group and gets
/// <see cref="AccessLogFilterPatterns.For"/> its format (JSON unless told).
/// CloudWatch Logs sends nothing when no event passes; here that is a delivery with no events, which diagnoses
/// nothing just the same.
/// </summary>
public static partial class DeployedDelivery
{
    public const string ExecutionGroupPrefix = "API-Gateway-Execution-Logs_";
    public const long DefaultStartMs = 1_714_568_720_000;

    private static readonly Dictionary<string, FilterPattern> Parsed = [];

    /// <summary>The pattern the stack deploys on this log group.</summary>
    public static string PatternFor(string logGroup, AccessLogFormat format = AccessLogFormat.Json) =>
        logGroup.StartsWith(ExecutionGroupPrefix, StringComparison.Ordinal) ? SubscriptionFilterTerms.Pattern : AccessLogFilterPatterns.For(format);

    /// <summary>The evaluator for a pattern (parsed once per pattern text).</summary>
    public static FilterPattern Evaluator(string pattern)
    {
        lock (Parsed)
        {
            if (!Parsed.TryGetValue(pattern, out var parsed))
            {
                Parsed[pattern] = parsed = FilterPattern.Parse(pattern);
            }
            return parsed;
        }
    }

    /// <summary>The events the deployed filter on this group passes, in order.</summary>
    public static IReadOnlyList<string> Forwarded(string logGroup, IEnumerable<string> messages, AccessLogFormat format = AccessLogFormat.Json)
    {
        var filter = Evaluator(PatternFor(logGroup, format));
        return messages.Where(filter.Matches).ToList();
    }

    /// <summary>A delivery of the events the deployed filter passes (timestamps kept).</summary>
    public static byte[] Encode(string logGroup, IEnumerable<(long Timestamp, string Message)> events, AccessLogFormat format = AccessLogFormat.Json, string owner = "123456789012")
    {
        var filter = Evaluator(PatternFor(logGroup, format));
        return SubscriptionPayload.Encode(logGroup, events.Where(e => filter.Matches(e.Message)), owner);
    }

    /// <summary>
    /// A delivery through a given pattern: for the account-level subscription policy (allApis), which applies
    /// <see cref="SubscriptionFilterTerms.Pattern"/> to every group, access-log groups included.
    /// </summary>
    public static byte[] EncodeWithPattern(string pattern, string logGroup, IEnumerable<(long Timestamp, string Message)> events, string owner = "123456789012")
    {
        var filter = Evaluator(pattern);
        return SubscriptionPayload.Encode(logGroup, events.Where(e => filter.Matches(e.Message)), owner);
    }

    /// <summary>A delivery of the messages the deployed filter passes, one millisecond apart from <paramref name="startMs"/>.</summary>
    public static byte[] Encode(string logGroup, IEnumerable<string> messages, AccessLogFormat format = AccessLogFormat.Json, long startMs = DefaultStartMs, string owner = "123456789012") =>
        Encode(logGroup, messages.Select((m, i) => (startMs + i, m)), format, owner);

    /// <summary>A delivery of a log file's events (see <see cref="Events"/>) as the deployed filter on this group passes them.</summary>
    public static byte[] FromFile(string path, string logGroup, AccessLogFormat format = AccessLogFormat.Json, Func<string, string>? rewrite = null) =>
        Encode(logGroup, Events(path, rewrite), format);

    /// <summary>
    /// A log file's CloudWatch events. Execution logs (<c>.log</c>): an event starts at a line that opens with
    /// <c>(request-id)</c>, an ISO or console timestamp; other lines continue the event before them (multi-line
    /// bodies and stack traces are one event in CloudWatch). <c>.jsonl</c> and <c>.clf</c>: one event per line.
    /// <c>.json</c>: the messages of a DATA_MESSAGE (<c>logEvents</c>), of <c>filter-log-events</c> or
    /// <c>get-log-events</c> output (<c>events</c>), of an Insights export (<c>@message</c>), or else a sequence of
    /// pretty-printed access-log entries, each written on one line as API Gateway writes them.
    /// <paramref name="rewrite"/> changes each line (or message) before it is grouped.
    /// </summary>
    public static IReadOnlyList<string> Events(string path, Func<string, string>? rewrite = null)
    {
        rewrite ??= l => l;
        var extension = Path.GetExtension(path);
        if (extension is ".jsonl" or ".clf")
        {
            return File.ReadAllLines(path).Where(l => l.Trim().Length > 0).Select(rewrite).ToList();
        }
        if (extension == ".json")
        {
            return JsonEvents(File.ReadAllBytes(path)).Select(rewrite).ToList();
        }
        var events = new List<string>();
        foreach (var raw in File.ReadAllLines(path).Where(l => l.Length > 0))
        {
            var line = rewrite(raw);
            if (events.Count == 0 || EventStart().IsMatch(line))
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

    /// <summary>The log group a DATA_MESSAGE file names, or null.</summary>
    public static string? LogGroupOf(string path)
    {
        if (Path.GetExtension(path) != ".json")
        {
            return null;
        }
        var values = JsonValues(File.ReadAllBytes(path));
        return values is [{ ValueKind: JsonValueKind.Object } only] && only.TryGetProperty("logGroup", out var g) ? g.GetString() : null;
    }

    private static List<JsonElement> JsonValues(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        var values = new List<JsonElement>();
        while (reader.Read())
        {
            values.Add(JsonElement.ParseValue(ref reader));
        }
        return values;
    }

    private static List<string> JsonEvents(byte[] bytes)
    {
        var values = JsonValues(bytes);
        if (values.Count == 1 && values[0].ValueKind == JsonValueKind.Object
            && (values[0].TryGetProperty("logEvents", out var list) || values[0].TryGetProperty("events", out list)))
        {
            return list.EnumerateArray().Select(e => e.GetProperty("message").GetString()!).ToList();
        }
        if (values.Count == 1 && values[0].ValueKind == JsonValueKind.Array)
        {
            return values[0].EnumerateArray().Select(e => e.GetProperty("@message") is var m && m.ValueKind == JsonValueKind.String ? m.GetString()! : m.GetRawText()).ToList();
        }
        return values.Select(v => JsonSerializer.Serialize(v)).ToList();
    }

    [GeneratedRegex(@"^(\(|\d{4}-\d{2}-\d{2}[T ]|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} )")]
    private static partial Regex EventStart();
}
