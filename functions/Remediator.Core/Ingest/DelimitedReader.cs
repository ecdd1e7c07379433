using System.Text;

namespace Remediator.Core.Ingest;

/// <summary>
/// CloudWatch Logs Insights CSV and TSV exports: <c>@timestamp,@message</c> (and any other columns), with or without
/// a header row. Fields follow RFC 4180: quoted fields may hold separators, doubled quotes and newlines.
/// </summary>
internal static class DelimitedReader
{
    public static IEnumerable<LogRecord> Read(TextReader reader, char separator, LogContext context)
    {
        int? messageColumn = null, timestampColumn = null, logColumn = null;
        var first = true;
        foreach (var row in Rows(reader, separator))
        {
            if (first)
            {
                first = false;
                var header = row.Select(c => c.Trim()).ToList();
                if (header.Contains("@message"))
                {
                    messageColumn = header.IndexOf("@message");
                    timestampColumn = header.IndexOf("@timestamp") is var t and >= 0 ? t : null;
                    logColumn = header.IndexOf("@log") is var l and >= 0 ? l : null;
                    continue;
                }
            }
            if (row.Count == 0 || row.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }
            // Without a header: the message is the last column, a time in the first is the timestamp.
            var message = row[Math.Min(messageColumn ?? row.Count - 1, row.Count - 1)];
            DateTimeOffset? timestamp = null;
            var tsIndex = timestampColumn ?? (row.Count > 1 ? 0 : -1);
            if (tsIndex >= 0 && tsIndex < row.Count)
            {
                var cell = row[tsIndex].AsSpan().Trim();
                timestamp = LineNormalizer.TryTimestamp(ref cell);
            }
            var rowContext = logColumn is { } lc && lc < row.Count ? InsightsLog(row[lc], context) : context;
            foreach (var record in TextLogReader.Read(new StringReader(message), rowContext))
            {
                yield return record with { Timestamp = record.Timestamp ?? timestamp };
            }
        }
    }

    /// <summary>Insights' <c>@log</c> is <c>account-id:log-group-name</c>.</summary>
    internal static LogContext InsightsLog(string value, LogContext context)
    {
        var colon = value.IndexOf(':');
        return colon == 12 && value.AsSpan(0, 12).ContainsAnyExceptInRange('0', '9') == false
            ? context with { AccountId = value[..12], LogGroup = value[13..] }
            : value.Length > 0 ? context with { LogGroup = value } : context;
    }

    private static IEnumerable<List<string>> Rows(TextReader reader, char separator)
    {
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var atFieldStart = true;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            var ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        Add(field, '"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    Add(field, ch);
                }
                continue;
            }
            if (ch == '"' && atFieldStart)
            {
                quoted = true;
                atFieldStart = false;
            }
            else if (ch == separator)
            {
                row.Add(field.ToString());
                field.Clear();
                atFieldStart = true;
            }
            else if (ch == '\n')
            {
                row.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                atFieldStart = true;
                yield return row;
                row = [];
            }
            else
            {
                Add(field, ch);
                atFieldStart = false;
            }
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString().TrimEnd('\r'));
            yield return row;
        }
    }

    private static void Add(StringBuilder field, char ch)
    {
        if (field.Length < TextLogReader.MaxLineChars)
        {
            field.Append(ch);
        }
    }
}
