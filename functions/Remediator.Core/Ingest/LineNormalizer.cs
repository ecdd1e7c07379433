using System.Diagnostics;
using System.Globalization;

namespace Remediator.Core.Ingest;

/// <summary>One physical line with its container prefixes removed.</summary>
/// <param name="Skip">True for lines that carry nothing: blank, "...", markdown table rulers and headers.</param>
/// <param name="LogGroup">The log group a line names in front of itself (<c>awslogs</c>, tails of several groups).</param>
internal readonly record struct NormalizedLine(string? RequestId, DateTimeOffset? Timestamp, string Text, bool Skip, string? LogGroup = null);

/// <summary>
/// Strips what people and tools put in front of an execution-log line: markdown quote markers and table pipes,
/// ISO and console timestamps, and the <c>(request-id) </c> prefix CloudWatch stores (api-gateway-failure-facts §2);
/// and what <c>aws logs tail</c> and console copies add: colour codes, row numbers, the log group, the stream name.
/// Every check is a comparison of a few leading characters: a plain line allocates nothing but its text.
/// </summary>
internal static class LineNormalizer
{
    // Without the weekday: a parse checks it against the date, and pasted console lines are not always consistent
    // (AWS's own knowledge-center article on VPC-link 500s shows "Thu May 04 ... 2024", a Saturday).
    private static readonly string[] ConsoleFormats = ["MMM dd HH:mm:ss 'UTC' yyyy", "MMM d HH:mm:ss 'UTC' yyyy"];

    public static NormalizedLine Normalize(string line)
    {
        if (line.Contains('\x1b'))
        {
            // `aws logs tail --color on` (or a terminal capture) wraps the timestamp and stream name in ANSI colours.
            line = WithoutAnsi(line);
        }
        var text = line.AsSpan().TrimEnd();
        // Markdown quote markers, possibly nested ("> > text").
        while (text.Length > 0 && text.TrimStart().StartsWith(">"))
        {
            text = text.TrimStart()[1..];
            if (text.StartsWith(" "))
            {
                text = text[1..];
            }
        }
        DateTimeOffset? timestamp = null;
        if (IsRuler(text))
        {
            return new NormalizedLine(null, null, "", true);
        }
        if (text.TrimStart().StartsWith("|") && !ConsoleRow(ref text, ref timestamp))
        {
            if (!TableCell(ref text, ref timestamp))
            {
                return new NormalizedLine(null, null, "", true);
            }
        }
        var trimmed = text.Trim();
        if (trimmed.IsEmpty || trimmed is "..." or "…" or "[...]" or "(...)" or "```")
        {
            return new NormalizedLine(null, null, "", true);
        }
        text = trimmed.Length == text.Length ? text : text.TrimStart();
        if (text[0] == '"')
        {
            StripJsonMessageKey(ref text);
        }
        var group = TryLogGroup(ref text);
        SkipRowNumber(ref text);
        if (TryTimestamp(ref text) is { } ts)
        {
            timestamp = ts;
            if (text.StartsWith("| "))
            {
                text = text[2..]; // the console's "timestamp | message" copy
            }
            SkipStreamName(ref text);
            // The console's test output pasted with a time of its own in front ("2024-...Z Thu Apr 05 11:12:53 UTC 2018 : text"):
            // the second time goes too, or the evidence keeps it. Only the console form: a Lambda line's own ISO time is read there.
            if (text.Length > 0 && char.IsAsciiLetterUpper(text[0]))
            {
                TryTimestamp(ref text);
            }
        }
        var requestId = TryRequestId(ref text);
        var content = text.ToString();
        return new NormalizedLine(requestId, timestamp, content.Contains(@"\n", StringComparison.Ordinal) ? RejoinSplitPhrases(content) : content, false, group);
    }

    /// <summary>
    /// The text <see cref="Normalize"/> keeps of a line the scanners found plain (<c>Scan.TextExportScanner.Id</c>):
    /// <c>(id) text</c> with a full id at <paramref name="close"/>, no colour codes, no escaped newlines, nothing in front
    /// of the id. None of Normalize's other steps applies to such a line, so its text is what follows the id and its
    /// spaces, up to trailing white space: read from the span, without the strings Normalize makes on its way.
    /// </summary>
    internal static ReadOnlySpan<char> PlainText(ReadOnlySpan<char> line, int close)
    {
        var text = line[(close + 1)..].TrimStart(' ').TrimEnd();
        Debug.Assert(Normalize(line.ToString()) is { Skip: false, Timestamp: null, LogGroup: null } n
            && n.RequestId == line[1..close].ToString() && n.Text == text.ToString(), $"not a plain line: {line}");
        return text;
    }

    /// <summary>
    /// A message wrapped where it was written keeps a literal <c>\n</c> inside its words once pasted from the CLI's
    /// JSON (<c>Malformed Lambda\nproxy response</c>). Each such escape is removed (or made a space) where, and only
    /// where, that makes a decisive phrase whole across it; a JSON body's escapes, which complete nothing, stay.
    /// </summary>
    internal static string RejoinSplitPhrases(string text)
    {
        System.Text.StringBuilder? joined = null;
        var copied = 0;
        for (var at = text.IndexOf(@"\n", StringComparison.Ordinal); at >= 0; at = text.IndexOf(@"\n", at + 2, StringComparison.Ordinal))
        {
            if (GlueCompletingPhrase(text, at) is { } glue)
            {
                (joined ??= new System.Text.StringBuilder(text.Length)).Append(text, copied, at - copied).Append(glue);
                copied = at + 2;
            }
        }
        return joined is null ? text : joined.Append(text, copied, text.Length - copied).ToString();
    }

    private static readonly int LongestPhrase = Diagnosis.DecisivePhrases.All.Max(p => p.Text.Length);

    /// <summary>"" or " " when joining the text around the escape at <paramref name="at"/> that way puts a phrase across the join.</summary>
    private static string? GlueCompletingPhrase(string text, int at)
    {
        var before = text.AsSpan(Math.Max(0, at - LongestPhrase), Math.Min(at, LongestPhrase));
        var after = text.AsSpan(at + 2, Math.Min(LongestPhrase, text.Length - at - 2));
        foreach (var glue in (ReadOnlySpan<string>)["", " "])
        {
            var window = string.Concat(before, glue, after);
            foreach (var phrase in Diagnosis.DecisivePhrases.All)
            {
                // Only a phrase that starts before the join and ends after it was cut by this escape.
                for (var i = window.IndexOf(phrase.Text, StringComparison.Ordinal); i >= 0 && i < before.Length;
                     i = window.IndexOf(phrase.Text, i + 1, StringComparison.Ordinal))
                {
                    if (i + phrase.Text.Length > before.Length + glue.Length)
                    {
                        return glue;
                    }
                }
            }
        }
        return null;
    }

    /// <summary>
    /// One line of the CLI's JSON pasted on its own: <c>"message": "(id) Method completed with status: 502",</c>.
    /// The string's content is the line (its escaped newlines are cut into events by the text reader).
    /// </summary>
    private static void StripJsonMessageKey(ref ReadOnlySpan<char> text)
    {
        foreach (var key in (ReadOnlySpan<string>)["\"message\": \"", "\"@message\": \"", "\"message\":\"", "\"@message\":\""])
        {
            if (text.StartsWith(key))
            {
                text = text[key.Length..].TrimEnd(',').TrimEnd();
                if (text.EndsWith("\"") && !text.EndsWith("\\\""))
                {
                    text = text[..^1];
                }
                return;
            }
        }
    }

    private static string WithoutAnsi(string line)
    {
        var b = new System.Text.StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\x1b' && i + 1 < line.Length && line[i + 1] == '[')
            {
                i += 2;
                while (i < line.Length && !char.IsAsciiLetter(line[i]))
                {
                    i++;
                }
                continue;
            }
            b.Append(line[i]);
        }
        return b.ToString();
    }

    /// <summary>A row ruler: "-- | --", "|---|---|", "--".</summary>
    private static bool IsRuler(ReadOnlySpan<char> text)
    {
        var t = text.Trim();
        return t.Length >= 2 && t[0] is '-' or '|' && t.Contains("--", StringComparison.Ordinal) && !t.ContainsAnyExcept("-|: \t");
    }

    /// <summary>
    /// The console's log table pasted as text: <c>  | 2022-10-04T12:23:01.595-04:00 | message</c>. The message is
    /// everything after the time cell (it may hold "|" itself), so this is tried before the markdown-table reading.
    /// </summary>
    private static bool ConsoleRow(ref ReadOnlySpan<char> text, ref DateTimeOffset? timestamp)
    {
        var rest = text.TrimStart()[1..].TrimStart();
        if (TryTimestamp(ref rest) is not { } ts || !rest.StartsWith("| "))
        {
            return false;
        }
        timestamp = ts;
        text = rest[2..];
        // A markdown table row ends with its closing pipe.
        if (text.TrimEnd().EndsWith(" |"))
        {
            text = text.TrimEnd()[..^1].TrimEnd();
        }
        return true;
    }

    /// <summary>
    /// A log group in front of the line, as <c>awslogs get</c> prints it and people paste tails of several groups:
    /// <c>API-Gateway-Execution-Logs_a1b2c3d4e5/prod 2024-05-02T16:09:42.123000+00:00 stream message</c>.
    /// Taken only when a timestamp or a stream name follows, so that a message that starts with a path is not cut.
    /// </summary>
    private static string? TryLogGroup(ref ReadOnlySpan<char> text)
    {
        if (text.Length < 30)
        {
            return null;
        }
        // An access-log group is named by its owner ("books-api-access-logs"): any name is taken, but only in front of
        // the whole of aws logs tail's detailed format, a time and then a stream name.
        var known = text.StartsWith("API-Gateway-Execution-Logs_") || text.StartsWith("/aws/");
        var space = text.IndexOfAny(' ', '\t');
        if (space < 0 || !known && (!IsGroupName(text[..space]) || text[space] != ' '))
        {
            return null;
        }
        var group = text[..space];
        var rest = text[(space + 1)..].TrimStart(" \t");
        var probe = rest;
        if (TryTimestamp(ref probe) is not null && (known || SkipStreamName(ref probe)))
        {
            text = rest; // the caller reads the time, then the stream
        }
        else if (!known)
        {
            return null;
        }
        else if (SkipStreamName(ref probe))
        {
            text = probe; // awslogs prints "group stream message", without a time
        }
        else
        {
            return null;
        }
        return group.ToString();
    }

    /// <summary>CloudWatch's log group name characters (letters, digits, <c>_ - / . #</c>); a row number is not one.</summary>
    private static bool IsGroupName(ReadOnlySpan<char> token) =>
        !token.ContainsAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-/.#") && token.ContainsAnyExcept("0123456789");

    /// <summary>A row number in front of a console or Insights copy: "12\t2024-..." or "12 2024-...".</summary>
    private static void SkipRowNumber(ref ReadOnlySpan<char> text)
    {
        var digits = 0;
        while (digits < text.Length && digits < 8 && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }
        if (digits == 0 || digits >= text.Length || text[digits] is not (' ' or '\t'))
        {
            return;
        }
        var rest = text[digits..].TrimStart(" \t");
        // Only before a timestamp, ISO or the console's (or, after a tab, before a request id): "502 Bad Gateway" keeps its number.
        var probe = rest;
        if (rest.Length >= 19 && char.IsAsciiDigit(rest[0]) && rest[4] == '-' && rest[10] is 'T' or ' '
            || text[digits] == '\t' && rest.StartsWith("(")
            || rest.Length > 0 && char.IsAsciiLetterUpper(rest[0]) && TryTimestamp(ref probe) is not null)
        {
            text = rest;
        }
    }

    /// <summary>
    /// The stream name <c>aws logs tail</c> prints after the time in its default (detailed) format: API Gateway's
    /// 32 hex digits, or Lambda's <c>2024/05/02/[$LATEST]</c> + 32 hex digits.
    /// </summary>
    private static bool SkipStreamName(ref ReadOnlySpan<char> text)
    {
        var space = text.IndexOf(' ');
        if (space < 0)
        {
            return false;
        }
        var token = text[..space];
        if (token.Length == 32 && !token.ContainsAnyExcept("0123456789abcdef")
            || token.Length > 44 && token[4] == '/' && token[7] == '/' && token[10] == '/' && token[11] == '['
            && token.IndexOf(']') is var close and > 11 && token.Length - close - 1 == 32)
        {
            text = text[(space + 1)..];
            return true;
        }
        return false;
    }

    /// <summary>A markdown table row: the last cell is the message, a first cell that is a time is its timestamp.</summary>
    private static bool TableCell(ref ReadOnlySpan<char> text, ref DateTimeOffset? timestamp)
    {
        var row = text.Trim().Trim('|');
        var cells = row.ToString().Split('|');
        var last = cells[^1].Trim();
        if (last.Length == 0 || last.Trim('-', ':', ' ').Length == 0 || last.StartsWith("@message", StringComparison.Ordinal)
            || last.Equals("message", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (cells.Length > 1)
        {
            var first = cells[0].Trim().AsSpan();
            timestamp = TryTimestamp(ref first);
        }
        text = last.AsSpan();
        return true;
    }

    /// <summary>ISO-8601 (<c>2016-10-01T10:55:36.315Z</c>), Insights (<c>2024-05-01 12:00:00.000</c>) or console (<c>Thu Apr 05 11:12:53 UTC 2018 :</c>).</summary>
    internal static DateTimeOffset? TryTimestamp(ref ReadOnlySpan<char> text)
    {
        if (text.Length >= 19 && char.IsAsciiDigit(text[0]) && text[4] == '-' && text[7] == '-' && text[10] is 'T' or ' ' && text[13] == ':')
        {
            var end = 19;
            while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] is '.' or 'Z' or '+' or ':' || (text[end] == '-' && end > 19)))
            {
                end++;
            }
            if (DateTimeOffset.TryParse(text[..end], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var ts))
            {
                text = text[end..].TrimStart(" \t,").TrimStart();
                return ts;
            }
            return null;
        }
        if (text.Length >= 28 && char.IsAsciiLetterUpper(text[0]) && char.IsAsciiLetterLower(text[1]) && char.IsAsciiLetterLower(text[2]) && text[3] == ' ')
        {
            var colon = text.IndexOf(" : ", StringComparison.Ordinal);
            if (colon is >= 27 and <= 29 &&
                DateTime.TryParseExact(text[4..colon], ConsoleFormats, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var ts))
            {
                text = text[(colon + 3)..];
                return new DateTimeOffset(ts, TimeSpan.Zero);
            }
        }
        return null;
    }

    /// <summary>
    /// The <c>(id) </c> prefix: a request id of 8 to 64 letters, digits and dashes; or one shortened by a person
    /// (<c>(4f2a...)</c>, <c>(4f2a…9e1f)</c>), kept as written: different ids are different requests however they are
    /// written, and <see cref="IsShortened"/> tells the builder to check for ids it cannot tell apart.
    /// </summary>
    private static string? TryRequestId(ref ReadOnlySpan<char> text)
    {
        if (text.Length < 3 || text[0] != '(')
        {
            return null;
        }
        var close = text.IndexOf(')');
        if (close is < 3 or > 65)
        {
            return null;
        }
        var id = text[1..close];
        var dots = 0;
        foreach (var c in id)
        {
            if (c is '.' or '…')
            {
                dots++;
            }
            else if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return null;
            }
        }
        var shortened = id.Contains("...", StringComparison.Ordinal) || id.Contains('…');
        if (dots > 0 && !shortened || !shortened && close < 9 || shortened && id.Length - dots < 2)
        {
            return null;
        }
        text = text[(close + 1)..].TrimStart(' ');
        return id.ToString();
    }

    /// <summary>True for a request id a person shortened (<c>4f2a...</c>).</summary>
    internal static bool IsShortened(string id) => id.Contains("...", StringComparison.Ordinal) || id.Contains('…');

    /// <summary>
    /// True when two ids as written could name the same request: one is shortened and what both show agrees
    /// (<c>4f2a...</c> and <c>4f2a8b...</c>, or <c>4f2a...</c> and the full <c>4f2a8b1c-...</c>).
    /// </summary>
    internal static bool CouldBeSame(string a, string b)
    {
        if (a == b)
        {
            return true;
        }
        static (string Head, string Tail) Parts(string id)
        {
            var at = id.IndexOf("...", StringComparison.Ordinal);
            var len = 3;
            if (at < 0)
            {
                at = id.IndexOf('…');
                len = 1;
            }
            return at < 0 ? (id, id) : (id[..at], id[(at + len)..]);
        }
        var (ha, ta) = Parts(a);
        var (hb, tb) = Parts(b);
        return (ha.StartsWith(hb, StringComparison.OrdinalIgnoreCase) || hb.StartsWith(ha, StringComparison.OrdinalIgnoreCase))
            && (ta.EndsWith(tb, StringComparison.OrdinalIgnoreCase) || tb.EndsWith(ta, StringComparison.OrdinalIgnoreCase));
    }
}
