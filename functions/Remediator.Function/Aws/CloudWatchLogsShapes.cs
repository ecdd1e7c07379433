using System.Text.Json;

namespace Remediator.Function.Aws;

/// <summary>One FilterLogEvents call (aws-wire-facts §4): a group, a window in epoch milliseconds, a pattern, a page token.</summary>
/// <param name="FilterPattern">At most 1024 characters (<see cref="CloudWatchLogsShapes.MaxFilterPatternLength"/>); null reads every event.</param>
public sealed record FilterLogEventsRequest(string LogGroupName, long StartTime, long EndTime, string? FilterPattern, string? NextToken = null);

/// <summary>One event as FilterLogEvents returns it.</summary>
public sealed record FilteredLogEvent(string LogStreamName, long Timestamp, string Message, long IngestionTime, string EventId);

/// <summary>One page: its events, the token of the next page (null at the end) and what it cost to read.</summary>
public sealed record FilterLogEventsPage(IReadOnlyList<FilteredLogEvent> Events, string? NextToken, long Bytes);

/// <summary>The CloudWatch Logs reads the CLI makes: FilterLogEvents, one page at a time.</summary>
public interface ILogEventSource
{
    Task<FilterLogEventsPage> FilterLogEventsAsync(FilterLogEventsRequest request, CancellationToken ct);
}

/// <summary>
/// The wire shapes of CloudWatch Logs' JSON 1.1 protocol (<c>targetPrefix Logs_20140328</c>, signing name
/// <c>logs</c>), in one place: the header values, the request members (written in the order and with exactly the
/// members botocore writes for <c>aws logs filter-log-events</c>, so the conformance test can compare them), and the
/// answer's members.
/// </summary>
public static class CloudWatchLogsShapes
{
    public const string SigningName = "logs";
    public const string EndpointPrefix = "logs";
    public const string EndpointEnvName = "CLOUDWATCH_LOGS";
    public const string ContentType = "application/x-amz-json-1.1";
    public const string TargetHeader = "X-Amz-Target";
    public const string FilterLogEventsTarget = "Logs_20140328.FilterLogEvents";
    public const int MaxFilterPatternLength = 1024;

    public static byte[] WriteFilterLogEvents(FilterLogEventsRequest request)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("logGroupName", request.LogGroupName);
            w.WriteNumber("startTime", request.StartTime);
            w.WriteNumber("endTime", request.EndTime);
            if (request.FilterPattern is { } pattern)
            {
                w.WriteString("filterPattern", pattern);
            }
            if (request.NextToken is { } token)
            {
                w.WriteString("nextToken", token);
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The answer <c>{"events":[{logStreamName,timestamp,message,ingestionTime,eventId}],"searchedLogStreams":[...],"nextToken"}</c>.</summary>
    public static FilterLogEventsPage ReadFilterLogEvents(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var events = new List<FilteredLogEvent>();
        if (root.TryGetProperty("events", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in list.EnumerateArray())
            {
                events.Add(new FilteredLogEvent(Str(e, "logStreamName") ?? "", Num(e, "timestamp"), Str(e, "message") ?? "", Num(e, "ingestionTime"), Str(e, "eventId") ?? ""));
            }
        }
        return new FilterLogEventsPage(events, Str(root, "nextToken"), body.Length);
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Num(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : 0;
}
