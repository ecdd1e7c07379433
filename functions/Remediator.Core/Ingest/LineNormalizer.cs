using System.Globalization;

namespace Remediator.Core.Ingest;

/// <summary>One physical line with its container prefixes removed.</summary>
/// <param name="Skip">True for lines that carry nothing: blank, "...", markdown table rulers and headers.</param>
internal readonly record struct NormalizedLine(string? RequestId, DateTimeOffset? Timestamp, string Text, bool Skip);

/// <summary>
/// Strips what people and tools put in front of an execution-log line: markdown quote markers and table pipes,
/// ISO and console timestamps, and the <c>(request-id) </c> prefix CloudWatch stores (api-gateway-failure-facts §2).
/// </summary>
internal static class LineNormalizer
{
    private static readonly string[] ConsoleFormats = ["ddd MMM dd HH:mm:ss 'UTC' yyyy", "ddd MMM d HH:mm:ss 'UTC' yyyy"];

    public static NormalizedLine Normalize(string line)
    {
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
        if (text.TrimStart().StartsWith("|"))
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
        if (TryTimestamp(ref text) is { } ts)
        {
            timestamp = ts;
        }
        var requestId = TryRequestId(ref text);
        return new NormalizedLine(requestId, timestamp, text.ToString(), false);
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
        if (text.Length >= 28 && char.IsAsciiLetterUpper(text[0]) && text[3] == ' ')
        {
            var colon = text.IndexOf(" : ", StringComparison.Ordinal);
            if (colon is >= 27 and <= 29 &&
                DateTime.TryParseExact(text[..colon], ConsoleFormats, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var ts))
            {
                text = text[(colon + 3)..];
                return new DateTimeOffset(ts, TimeSpan.Zero);
            }
        }
        return null;
    }

    /// <summary>The <c>(id) </c> prefix: a request id of 8 to 64 letters, digits and dashes.</summary>
    private static string? TryRequestId(ref ReadOnlySpan<char> text)
    {
        if (text.Length < 3 || text[0] != '(')
        {
            return null;
        }
        var close = text.IndexOf(')');
        if (close is < 9 or > 65)
        {
            return null;
        }
        var id = text[1..close];
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return null;
            }
        }
        text = text[(close + 1)..].TrimStart(' ');
        return id.ToString();
    }
}
