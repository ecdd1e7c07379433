using System.Text.Json;

namespace Remediator.Core.Ingest;

/// <summary>
/// The JSON shapes logs come in: subscription DATA_MESSAGEs, <c>aws logs filter-log-events</c> / <c>get-log-events</c>
/// and <c>get-query-results</c> output, Logs Insights JSON exports, <c>test-invoke-method</c> output, and streams of
/// access-log objects. Each is read value by value, never as a whole document.
/// </summary>
internal static class JsonContainers
{
    /// <summary>A subscription message's own members: what the events of its <c>logEvents</c> belong to.</summary>
    public readonly record struct MessageHeader(string? MessageType, string? Owner, string? LogGroup);

    /// <summary>A top-level object: walks its properties and streams the elements of the array that holds the events.</summary>
    /// <param name="header">Reads the message's members from the whole message, for when the events array comes before
    /// them (JSON does not order members; CloudWatch happens to write them first).</param>
    /// <param name="skipped">Told about each event that cannot be read (invalid UTF-8, an unpaired surrogate escape),
    /// which is then left out; without it such an event fails the read.</param>
    /// <param name="readEvents">Reads an <c>events</c> or <c>logEvents</c> array itself (the deferring scanner), in
    /// place of yielding its records; given the stream positioned on the array's start, the events' context and the
    /// array's name.</param>
    public static IEnumerable<LogRecord> ReadObject(JsonTokenStream json, LogContext context, Func<MessageHeader>? header = null, Action<string>? skipped = null,
        Action<JsonTokenStream, LogContext, string>? readEvents = null)
    {
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
        {
            throw new UnreadableInputException("expected a JSON object");
        }
        string? messageType = null, owner = null, logGroup = null;
        var sawEvents = false;
        while (json.Read() && json.Depth >= 1)
        {
            if (json.TokenType != JsonTokenType.PropertyName || json.Depth != 1)
            {
                continue;
            }
            var name = json.Text!;
            if (!json.Read())
            {
                break;
            }
            if (json.TokenType == JsonTokenType.StartArray && name is "logEvents" or "events" or "results")
            {
                sawEvents = true;
                if (header is not null && (messageType is null || owner is null || logGroup is null))
                {
                    var h = header();
                    header = null;
                    (messageType, owner, logGroup) = (messageType ?? h.MessageType, owner ?? h.Owner, logGroup ?? h.LogGroup);
                }
                var eventContext = context with { LogGroup = logGroup ?? context.LogGroup, AccountId = Account(owner) ?? context.AccountId };
                if (messageType == "CONTROL_MESSAGE")
                {
                    json.Skip(); // CloudWatch checking that the destination is reachable: nothing to diagnose
                    continue;
                }
                if (readEvents is not null && name is "events" or "logEvents")
                {
                    readEvents(json, eventContext, name);
                    continue;
                }
                foreach (var record in Elements(json, name, eventContext, skipped))
                {
                    yield return record;
                }
                continue;
            }
            if (json.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                json.Skip();
                continue;
            }
            switch (name)
            {
                case "messageType": messageType ??= json.Text; break;
                case "owner": owner ??= json.Text; break;
                case "logGroup": logGroup ??= json.Text; break;
                case "log" when json.TokenType == JsonTokenType.String:
                    // aws apigateway test-invoke-method: the whole execution log as one string.
                    sawEvents = true;
                    foreach (var record in TextLogReader.Read(new StringReader(json.Text!), context))
                    {
                        yield return record;
                    }
                    break;
            }
        }
        if (!sawEvents && messageType is null)
        {
            throw new UnreadableInputException("a JSON object with no log events; expected a subscription delivery, aws logs filter-log-events / get-log-events / get-query-results output, test-invoke-method output or access-log entries");
        }
    }

    /// <summary>The records of the array the stream is on (its start token just read), element by element.</summary>
    /// <param name="wanted">When given and false, the next element is read (its structure and size checked) but not decoded.</param>
    internal static IEnumerable<LogRecord> Elements(JsonTokenStream json, string arrayName, LogContext context, Action<string>? skipped = null,
        Func<bool>? wanted = null)
    {
        var depth = json.Depth;
        var index = 0;
        while (json.Read() && json.Depth > depth)
        {
            if (json.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            {
                continue;
            }
            // The value's structure was checked while reading it: what fails from here on is this event's text alone
            // (a string that is not UTF-8, or an escape that is half a surrogate pair), so it costs this event only.
            var value = json.ReadValue();
            var at = index++;
            if (wanted is not null && !wanted())
            {
                continue;
            }
            var records = ElementRecords(value, arrayName, at, context, skipped);
            foreach (var record in records ?? [])
            {
                yield return record;
            }
        }
    }

    /// <summary>The records of one element of an events or results array; null when it is skipped (told to <paramref name="skipped"/>).</summary>
    internal static List<LogRecord>? ElementRecords(ReadOnlyMemory<byte> value, string arrayName, int index, LogContext context, Action<string>? skipped)
    {
        try
        {
            using var doc = JsonDocument.Parse(value);
            return (arrayName == "results" ? QueryResultRow(doc.RootElement, context) : Event(doc.RootElement, context)).ToList();
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException)
        {
            var reason = $"event {index} of {(arrayName.Length > 0 ? arrayName : "the array")} cannot be read: {(e is JsonException ? "invalid JSON" : "a string is not valid UTF-8 or holds an unpaired surrogate escape")}";
            if (skipped is null)
            {
                throw new UnreadableInputException(reason, e);
            }
            skipped(reason);
            return null;
        }
    }

    /// <summary>A top-level array: a Logs Insights JSON export, or a list of access-log entries.</summary>
    public static IEnumerable<LogRecord> ReadArray(JsonTokenStream json, LogContext context)
    {
        if (!json.Read() || json.TokenType != JsonTokenType.StartArray)
        {
            throw new UnreadableInputException("expected a JSON array");
        }
        foreach (var record in Elements(json, "", context))
        {
            yield return record;
        }
    }

    /// <summary>One JSON value after another (JSON Lines, or pretty-printed objects one after the other): access-log entries.</summary>
    public static IEnumerable<LogRecord> ReadValues(JsonTokenStream json, LogContext context)
    {
        var first = true;
        while (json.Read())
        {
            if (json.TokenType != JsonTokenType.StartObject)
            {
                json.Skip();
                continue;
            }
            using var doc = JsonDocument.Parse(json.ReadValue());
            var entry = AccessLogEntry.FromJson(doc.RootElement);
            if (entry is null && first)
            {
                throw new UnreadableInputException("JSON of another kind: its first object has no status or request id; expected access-log entries, a subscription delivery or aws logs output");
            }
            first = false;
            if (entry is not null)
            {
                yield return new LogRecord(entry.RequestId, entry.Time, "", context, entry);
            }
        }
    }

    /// <summary>An event: <c>{id, timestamp, message}</c> (subscription), <c>{logStreamName, timestamp, message}</c> (CLI), <c>{@timestamp, @message, @log}</c> (Insights) or an access-log object.</summary>
    private static IEnumerable<LogRecord> Event(JsonElement e, LogContext context)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        var hasMessage = e.TryGetProperty("message", out var message) || e.TryGetProperty("@message", out message);
        if (!hasMessage)
        {
            // Not an event wrapper: an access-log object itself.
            if (AccessLogEntry.FromJson(e) is { } entry)
            {
                yield return new LogRecord(entry.RequestId, entry.Time, "", context, entry);
            }
            yield break;
        }
        DateTimeOffset? timestamp = null;
        if ((e.TryGetProperty("timestamp", out var ts) || e.TryGetProperty("@timestamp", out ts)) )
        {
            timestamp = ts.ValueKind == JsonValueKind.Number && ts.TryGetInt64(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : ts.ValueKind == JsonValueKind.String ? ParseTime(ts.GetString()!) : null;
        }
        if (e.TryGetProperty("@log", out var log) && log.ValueKind == JsonValueKind.String)
        {
            context = DelimitedReader.InsightsLog(log.GetString()!, context);
        }
        if (message.ValueKind == JsonValueKind.Object)
        {
            // Insights shows JSON log lines as objects: an access-log entry.
            if (AccessLogEntry.FromJson(message) is { } entry)
            {
                yield return new LogRecord(entry.RequestId, entry.Time ?? timestamp, "", context, entry);
            }
            yield break;
        }
        if (message.ValueKind != JsonValueKind.String)
        {
            yield break;
        }
        foreach (var record in SplitMessage(message.GetString()!, timestamp, context))
        {
            yield return record;
        }
    }

    /// <summary><c>aws logs get-query-results</c>: each row is a list of <c>{field, value}</c>.</summary>
    private static IEnumerable<LogRecord> QueryResultRow(JsonElement row, LogContext context)
    {
        if (row.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }
        string? message = null;
        DateTimeOffset? timestamp = null;
        foreach (var cell in row.EnumerateArray())
        {
            if (cell.ValueKind != JsonValueKind.Object || !cell.TryGetProperty("field", out var f) || !cell.TryGetProperty("value", out var v)
                || v.ValueKind != JsonValueKind.String)
            {
                continue;
            }
            switch (f.GetString())
            {
                case "@message": message = v.GetString(); break;
                case "@timestamp": timestamp = ParseTime(v.GetString()!); break;
                case "@log": context = DelimitedReader.InsightsLog(v.GetString()!, context); break;
            }
        }
        if (message is null)
        {
            yield break;
        }
        foreach (var record in SplitMessage(message, timestamp, context))
        {
            yield return record;
        }
    }

    /// <summary>A CloudWatch message: <c>(id) text</c>, where the text may span several lines (an error message with newlines).</summary>
    private static IEnumerable<LogRecord> SplitMessage(string message, DateTimeOffset? timestamp, LogContext context)
    {
        var trimmed = message.AsSpan().TrimStart();
        if (!trimmed.IsEmpty && trimmed[0] == '{')
        {
            yield return new LogRecord(null, timestamp, message, context);
            yield break;
        }
        var line = LineNormalizer.Normalize(message);
        if (!line.Skip)
        {
            yield return new LogRecord(line.RequestId, line.Timestamp ?? timestamp, line.Text, context);
        }
    }

    private static DateTimeOffset? ParseTime(string s)
    {
        var span = s.AsSpan().Trim();
        return LineNormalizer.TryTimestamp(ref span);
    }

    /// <summary>The owner of a control message is the literal "CloudwatchLogs", not an account.</summary>
    private static string? Account(string? owner) => owner is { Length: 12 } && owner.All(char.IsAsciiDigit) ? owner : null;
}
