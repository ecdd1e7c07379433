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
        foreach (var raw in Lines(reader))
        {
            var line = LineNormalizer.Normalize(raw);
            if (line.Skip)
            {
                continue;
            }
            if (first is not null && IsContinuation(line, more is null ? first.AsSpan() : default, more))
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
                yield return new LogRecord(id, ts, more?.ToString() ?? first, context);
            }
            id = line.RequestId;
            ts = line.Timestamp;
            first = line.Text;
            more = null;
        }
        if (first is not null)
        {
            yield return new LogRecord(id, ts, more?.ToString() ?? first, context);
        }
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
        if (DecisivePhrases.At(text) is not null)
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
