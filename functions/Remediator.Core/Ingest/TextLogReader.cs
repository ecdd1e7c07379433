using System.Text;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Ingest;

/// <summary>
/// Reads plain-text logs line by line (bounded line length) and joins continuation lines, an error message or a
/// JSON body spread over several physical lines, to the event they belong to.
/// </summary>
internal static class TextLogReader
{
    /// <summary>Longest line kept; the rest of a longer line is dropped (CloudWatch events are at most 256 KB).</summary>
    public const int MaxLineChars = 256 * 1024;
    private const int MaxRecordChars = 256 * 1024;

    // Execution-log line starts that are not decisive but begin a new event (api-gateway-failure-facts §2).
    private static readonly string[] EventStarts =
    [
        "Method request", "Method response", "Endpoint request", "Endpoint response", "Execution failed", "Lambda execution failed",
        "Lambda invocation failed", "AWS Integration Endpoint RequestId", "X-ray Tracing ID", "API Key ", "Verifying Usage Plan",
        "Usage Plan check", "Received response", "Sending request", "Starting execution", "Extended Request Id", "HTTP Method:",
        "Method completed", "Successfully completed", "Execution log for request", "Key throttle", "Authorizer", "Incoming identity",
    ];

    public static IEnumerable<LogRecord> Read(TextReader reader, LogContext context)
    {
        string? id = null;
        DateTimeOffset? ts = null;
        // The common case is one line per event: keep its string, and build a longer one only for continuations.
        string? first = null;
        StringBuilder? more = null;
        // A log group named in front of a line (a tail of several groups) holds for the lines after it.
        var lineContext = context;
        var recordContext = context;
        foreach (var physical in Lines(reader))
        {
            var parts = physical.Contains(@"\n", StringComparison.Ordinal) ? SplitEscapedEvents(physical) : null;
            for (var p = 0; p < (parts?.Count ?? 1); p++)
            {
                var line = LineNormalizer.Normalize(parts?[p] ?? physical);
                if (line.Skip)
                {
                    continue;
                }
                if (line.LogGroup is { } group && group != lineContext.LogGroup)
                {
                    lineContext = context with { LogGroup = group };
                }
                if (first is not null && line.LogGroup is null && IsContinuation(line, more is null ? first.AsSpan() : default, more))
                {
                    more ??= new StringBuilder(first);
                    if (more.Length + line.Text.Length < MaxRecordChars)
                    {
                        more.Append('\n').Append(line.Text);
                    }
                    continue;
                }
                if (first is not null)
                {
                    yield return new LogRecord(id, ts, more?.ToString() ?? first, recordContext);
                }
                id = line.RequestId;
                ts = line.Timestamp;
                first = line.Text;
                more = null;
                recordContext = lineContext;
            }
        }
        if (first is not null)
        {
            yield return new LogRecord(id, ts, more?.ToString() ?? first, recordContext);
        }
    }

    /// <summary>
    /// A line pasted from the CLI's JSON keeps the escapes of its strings: several events joined by a literal
    /// <c>\n</c> (<c>"(id) Method completed with status: 502\n(id) ..."</c>), or one message ending in <c>\n</c>
    /// (Lambda's <c>"START RequestId: ... Version: $LATEST\n"</c>). It is cut only where what follows starts an event
    /// of its own, so that a JSON body's escaped newlines stay where they are. Null when there is nothing to cut.
    /// </summary>
    internal static List<string>? SplitEscapedEvents(string line)
    {
        List<string>? parts = null;
        var start = 0;
        var at = 0;
        while ((at = line.IndexOf(@"\n", at, StringComparison.Ordinal)) >= 0)
        {
            var next = line.AsSpan(at + 2);
            while (next.StartsWith(@"\n"))
            {
                next = next[2..];
            }
            var end = line.Length - next.Length;
            if (next.TrimEnd(" \",").IsEmpty || StartsEvent(next))
            {
                (parts ??= []).Add(line[start..at]);
                start = end;
            }
            at = end;
        }
        if (parts is null)
        {
            return null;
        }
        if (start < line.Length && !line.AsSpan(start).TrimEnd(" \",").IsEmpty)
        {
            parts.Add(line[start..]);
        }
        return parts;
    }

    private static bool StartsEvent(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }
        if (text[0] == '(' || char.IsAsciiDigit(text[0]) && text.Length > 19 && text[4] == '-')
        {
            return true; // "(id) ..." or a timestamp
        }
        if (DecisivePhrases.At(text) is not null || FunctionLog.StartsLine(text))
        {
            return true;
        }
        foreach (var start in EventStarts)
        {
            if (text.StartsWith(start, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsContinuation(in NormalizedLine line, ReadOnlySpan<char> previousLine, StringBuilder? previousRecord)
    {
        if (line.RequestId is not null || line.Timestamp is not null)
        {
            return false;
        }
        var text = line.Text.AsSpan();
        if (text[0] is '{' or '[')
        {
            // A JSON value continues a line that announced it ("...before transformations:") and starts a record otherwise.
            var last = previousRecord is { Length: > 0 } record ? record[^1] : previousLine.IsEmpty ? '\0' : previousLine[^1];
            return last == ':';
        }
        if (DecisivePhrases.At(text) is not null || FunctionLog.StartsLine(text))
        {
            return false;
        }
        foreach (var start in EventStarts)
        {
            if (text.StartsWith(start, StringComparison.Ordinal))
            {
                return false;
            }
        }
        // An access-log line in CLF is an event of its own.
        return !AccessLogEntry.LooksLikeClf(text);
    }

    /// <summary>Lines of at most <see cref="MaxLineChars"/> characters: a 20 MB line costs 256 KB, not 40 MB.</summary>
    internal static IEnumerable<string> Lines(TextReader reader)
    {
        var buffer = new char[64 * 1024];
        var line = new StringBuilder();
        var dropping = false;
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            while (start < read)
            {
                var nl = buffer.AsSpan(start, read - start).IndexOf('\n');
                if (nl < 0)
                {
                    Append(line, buffer.AsSpan(start, read - start), ref dropping);
                    break;
                }
                if (line.Length == 0 && !dropping)
                {
                    // A whole line inside the buffer: one string, no copy through the builder.
                    var span = buffer.AsSpan(start, Math.Min(nl, MaxLineChars));
                    yield return (span.Length > 0 && span[^1] == '\r' ? span[..^1] : span).ToString();
                }
                else
                {
                    Append(line, buffer.AsSpan(start, nl), ref dropping);
                    yield return Take(line, ref dropping);
                }
                start += nl + 1;
            }
        }
        if (line.Length > 0)
        {
            yield return Take(line, ref dropping);
        }
    }

    private static void Append(StringBuilder line, ReadOnlySpan<char> chunk, ref bool dropping)
    {
        if (dropping)
        {
            return;
        }
        var room = MaxLineChars - line.Length;
        if (chunk.Length > room)
        {
            chunk = chunk[..room];
            dropping = true;
        }
        line.Append(chunk);
    }

    private static string Take(StringBuilder line, ref bool dropping)
    {
        var s = line.ToString().TrimEnd('\r');
        line.Clear();
        dropping = false;
        return s;
    }
}
