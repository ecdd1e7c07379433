using System.Buffers;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;

namespace Remediator.Core.Scan;

/// <summary>
/// Reads a plain-text execution-log export (<c>(request-id) text</c> lines, as CloudWatch stores them) through a block
/// of a million chars, refilled 32 K chars at a time: a line is found with one vectorised search for the newline, its
/// request compared with the line before, and the phrase table searched once per refill (<see cref="PhraseTriage"/>);
/// only lines of requests that turn decisive become strings (<see cref="DeferringFeed"/>). At the first line of any
/// other shape (a continuation line, a timestamp, a shortened id, colour codes, a pasted escape, a line past the length
/// cap) it hands the rest of the input, from the line before, to <see cref="TextLogReader"/>, whose results are the
/// reference.
/// </summary>
internal static class TextExportScanner
{
    private const int BlockChars = 1 << 20;
    // Chars asked of the reader at a time: the block only has to hold the longest line (TextLogReader.MaxLineChars),
    // and text decoded 64 KB at a time is still in the core's cache when the trigger and newline searches read it
    // (with the whole block filled at once, the trigger search waited on memory), and the block's tail pages are
    // never touched (about 500 fewer page faults).
    private const int RefillChars = 32 * 1024;
    private static readonly SearchValues<char> IdChars = SearchValues.Create("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-");
    private static readonly SearchValues<char> Unusual = SearchValues.Create("\x1b\\");

    /// <summary>Reads <paramref name="reader"/> into <paramref name="builder"/>; returns the records read.</summary>
    public static long Read(TextReader reader, LogContext context, DiagnosisBuilder builder, long maxDeferredChars = DeferringFeed.MaxDeferredChars)
    {
        var feed = new DeferringFeed(builder, context, maxDeferredChars);
        var kinds = new LineKindCache();
        var buffer = ArrayPool<char>.Shared.Rent(BlockChars);
        try
        {
            var length = 0;      // chars in the buffer
            var scan = 0;        // start of the first line not yet looked at
            var pending = -1;    // the last plain line: committed once the next line shows it is not continued
            var pendingEnd = 0;
            var pendingClose = 0; // the ')' of the pending line's id
            var pendingSame = false; // the pending line's id is that of the line committed before it
            var candidate = -1;  // next possible phrase at or after the pending line; length when none; -1 unknown
            var eof = false;
            while (true)
            {
                // The end of the line, and on the way whether it may hold a colour code or a "\n" escape: one search.
                var nl = buffer.AsSpan(scan, length - scan).IndexOfAny('\n', '\\', '\x1b');
                var mayBeUnusual = false;
                if (nl >= 0 && buffer[scan + nl] != '\n')
                {
                    mayBeUnusual = true;
                    var rest = buffer.AsSpan(scan + nl, length - scan - nl).IndexOf('\n');
                    nl = rest < 0 ? -1 : nl + rest;
                }
                int lineEnd, next;
                if (nl >= 0)
                {
                    lineEnd = scan + nl;
                    next = lineEnd + 1;
                }
                else if (eof)
                {
                    if (scan == length)
                    {
                        break;
                    }
                    lineEnd = next = length;
                }
                else
                {
                    var keep = pending >= 0 ? pending : scan;
                    if (length - keep >= TextLogReader.MaxLineChars)
                    {
                        return feed.Records + Fallback(buffer, keep, length, reader, context, builder);
                    }
                    buffer.AsSpan(keep, length - keep).CopyTo(buffer);
                    length -= keep;
                    scan -= keep;
                    pending = pending >= 0 ? 0 : -1;
                    pendingEnd -= keep;
                    candidate = -1;
                    var read = reader.Read(buffer, length, Math.Min(buffer.Length - length, RefillChars));
                    eof = read == 0;
                    length += read;
                    continue;
                }
                var line = buffer.AsSpan(scan, lineEnd - scan);
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line = line[..^1];
                }
                if (!line.IsWhiteSpace())
                {
                    // A line of the request before it: same id, already checked (most lines are).
                    var sameId = pending >= 0 ? buffer.AsSpan(pending, pendingClose + 1) : default;
                    var same = false;
                    var close = line.Length >= TextLogReader.MaxLineChars ? -1 : IdClose(line, mayBeUnusual, sameId, out same);
                    if (close < 0)
                    {
                        return feed.Records + Fallback(buffer, pending >= 0 ? pending : scan, length, reader, context, builder);
                    }
                    if (pending >= 0)
                    {
                        Commit(feed, kinds, buffer.AsSpan(pending, pendingEnd - pending), pendingClose, pendingSame, buffer, length, ref candidate, pending);
                    }
                    pendingClose = close;
                    pendingSame = same;
                    pending = scan;
                    pendingEnd = scan + line.Length;
                }
                // A blank line is skipped by the line reader too, and does not end a record.
                scan = next;
            }
            if (pending >= 0)
            {
                Commit(feed, kinds, buffer.AsSpan(pending, pendingEnd - pending), pendingClose, pendingSame, buffer, length, ref candidate, pending);
            }
            return feed.Records;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static void Commit(DeferringFeed feed, LineKindCache kinds, ReadOnlySpan<char> line, int close, bool sameRequest, char[] buffer, int length, ref int candidate, int start)
    {
        var kind = kinds.KindAt(buffer.AsSpan(0, length), start, line.Length, close, ref candidate);
        feed.Line(line, line[1..close], null, kind, sameRequest);
    }

    /// <summary>
    /// The index of the <c>)</c> closing a full request id when the line is <c>(id) text</c> read exactly as the
    /// normaliser reads it, with nothing it would treat otherwise: no colour codes, no <c>\n</c> escapes, a text that
    /// does not start with <c>{</c> (a JSON entry); null for any other line.
    /// </summary>
    internal static int? Id(ReadOnlySpan<char> line) => IdClose(line, mayBeUnusual: true, sameId: default, out _) is >= 0 and var close ? close : null;

    // As Id, -1 for null (no int? in the per-line path: building one costs a stall). mayBeUnusual: false when the caller
    // knows the line holds neither an escape char nor a backslash. sameId: "(id)" of a line that passed, or empty: a
    // line that starts with it has the same valid id (an id holds no ')'), and then <paramref name="same"/> is true.
    internal static int IdClose(ReadOnlySpan<char> line, bool mayBeUnusual, ReadOnlySpan<char> sameId, out bool same)
    {
        same = false;
        if (line.Length < 12 || line[0] != '(')
        {
            return -1;
        }
        int close;
        if (!sameId.IsEmpty && line.StartsWith(sameId))
        {
            close = sameId.Length - 1;
            same = true;
        }
        else
        {
            close = line.IndexOf(')');
            if (close is < 9 or > 65 || line[1..close].ContainsAnyExcept(IdChars))
            {
                return -1;
            }
        }
        var text = line[(close + 1)..].TrimStart(' ');
        if (text.IsEmpty || text[0] == '{' || char.IsWhiteSpace(text[0]))
        {
            return -1;
        }
        if (mayBeUnusual && line.ContainsAny(Unusual) && (line.Contains('\x1b') || line.Contains(@"\n", StringComparison.Ordinal)))
        {
            return -1;
        }
        return close;
    }

    private static long Fallback(char[] buffer, int from, int length, TextReader rest, LogContext context, DiagnosisBuilder builder)
    {
        var records = 0L;
        foreach (var record in TextLogReader.Read(new ResumedReader(buffer.AsMemory(from, length - from), rest), context))
        {
            builder.Add(record);
            records++;
        }
        return records;
    }

    /// <summary>The chars already decoded, then the rest of the reader.</summary>
    private sealed class ResumedReader(ReadOnlyMemory<char> head, TextReader rest) : TextReader
    {
        private ReadOnlyMemory<char> _head = head;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            if (_head.IsEmpty)
            {
                return rest.Read(buffer);
            }
            var n = Math.Min(buffer.Length, _head.Length);
            _head.Span[..n].CopyTo(buffer);
            _head = _head[n..];
            return n;
        }

        public override int Peek() => _head.IsEmpty ? rest.Peek() : _head.Span[0];
    }
}
