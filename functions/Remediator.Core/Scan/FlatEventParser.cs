using System.Buffers;
using System.Runtime.Intrinsics;
using System.Text.Unicode;

namespace Remediator.Core.Scan;

/// <summary>What <see cref="FlatEventParser.Parse"/> made of the bytes after an event.</summary>
internal enum FlatEventRead
{
    /// <summary>One more event read: <c>, {…}</c> up to its closing brace.</summary>
    Done,
    /// <summary>Anything the parser does not take for certain as the tokeniser would (the tokeniser reads it).</summary>
    Declined,
    /// <summary>The bytes end inside the event: read more and parse again from the same place.</summary>
    NeedMore,
}

/// <summary>
/// Reads the next event of a <c>filter-log-events</c> array straight from its bytes: <c>, {"member": value, …}</c>
/// with only the CLI's members, each once, every value a string or an integer. Most of an indented export is
/// whitespace and member names, and the general tokeniser spent most of the JSON time there; this one skips them with
/// vectorised searches and only unescapes the message. It accepts a strict subset of what the tokeniser accepts, with
/// the same meaning, and declines everything else (escapes other than the short ones, <c>\u</c>, control chars,
/// numbers with a fraction, literals, invalid UTF-8, anything nested): a declined event goes through the tokeniser
/// and <see cref="JsonEventsScanner"/>'s reference path as before.
/// </summary>
internal sealed partial class FlatEventParser
{
    private static readonly SearchValues<byte> Space = SearchValues.Create(" \t\r\n"u8);
    // Where a string's plain run ends: its closing quote, an escape, or a control char (which JSON forbids raw).
    private static readonly SearchValues<byte> StringStops = SearchValues.Create(StopBytes());

    private byte[] _unescaped = new byte[4096];

    /// <summary>The message of the last event read, as UTF-8 (unescaped; not yet validated).</summary>
    public ReadOnlySpan<byte> Message => _isRaw ? _raw.Span : _unescaped.AsSpan(0, _unescapedLength);

    /// <summary>The event's <c>timestamp</c>, when it has one.</summary>
    public long? TimestampMs { get; private set; }

    private ReadOnlyMemory<byte> _raw;
    private bool _isRaw;
    private int _unescapedLength;

    /// <summary>
    /// Parses <c>ws , ws {members}</c> at the start of <paramref name="bytes"/> (a window of the stream, which ends
    /// there when <paramref name="final"/>); on <see cref="FlatEventRead.Done"/>, <paramref name="consumed"/> is the
    /// number of bytes up to and including the event's closing brace.
    /// </summary>
    public FlatEventRead Parse(ReadOnlyMemory<byte> window, bool final, out int consumed)
    {
        consumed = 0;
        var result = ParseCore(window, out var end);
        if (result == FlatEventRead.NeedMore && final)
        {
            return FlatEventRead.Declined; // truncated: the tokeniser reports it as before
        }
        consumed = end;
        return result;
    }

    /// <summary>
    /// As <see cref="Parse"/>, and on <see cref="FlatEventRead.Done"/> the message is decoded into
    /// <paramref name="chars"/> from <paramref name="at"/> on (grown as needed, keeping what is before
    /// <paramref name="at"/>): <paramref name="messageChars"/> long, or -1 when it is not valid UTF-8 (or holds a lone
    /// surrogate), which the reference reader refuses. <paramref name="noBackslash"/> is true when the message is known
    /// to hold neither a backslash nor an escape char.
    /// </summary>
    public FlatEventRead ParseInto(ReadOnlyMemory<byte> window, bool final, ref char[] chars, int at, out int consumed, out int messageChars, out bool noBackslash) =>
        TryParseRepeat(window.Span, chars, at, out consumed, out messageChars, out noBackslash)
            ? FlatEventRead.Done
            : ParseIntoOtherwise(window, final, ref chars, at, out consumed, out messageChars, out noBackslash);

    /// <summary>
    /// As <see cref="ParseInto"/>, for an event <see cref="TryParseRepeat"/> has just declined (a caller that tries the
    /// template first itself does not pay for that try twice).
    /// </summary>
    public FlatEventRead ParseIntoOtherwise(ReadOnlyMemory<byte> window, bool final, ref char[] chars, int at, out int consumed, out int messageChars, out bool noBackslash)
    {
        // The common case (ASCII, at most short escapes, the CLI's members) in one pass that decodes as it finds the
        // message's end; anything else, and any event that ends near the end of the window, by the reference parse.
        if (Vector128.IsHardwareAccelerated
            && (TryParseShaped(window.Span, chars, at, out consumed, out messageChars, out noBackslash)
                || TryParsePlain(window.Span, chars, at, out consumed, out messageChars, out noBackslash)))
        {
            // The event has the shape (when one was kept): its newlines are the shape's, all in its gaps.
            Newlines = _shapeValues < 0 ? -1 : _shapeNewlines;
            LastNewline = _lastNewlineGap < 0 ? -1 : (_lastNewlineGap == 0 ? 0 : _valueEnds[_lastNewlineGap - 1]) + _lastNewlineInGap;
            return FlatEventRead.Done;
        }
        Newlines = -1;
        noBackslash = false;
        messageChars = -1;
        var result = Parse(window, final, out consumed);
        if (result == FlatEventRead.Done)
        {
            var utf8 = Message;
            if (chars.Length - at < utf8.Length)
            {
                Array.Resize(ref chars, Math.Max(chars.Length * 2, at + utf8.Length + Vector256<byte>.Count));
            }
            // Validates and transcodes in one pass; an invalid sequence refuses the event.
            messageChars = Utf8.ToUtf16(utf8, chars.AsSpan(at), out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done ? written : -1;
        }
        return result;
    }

    /// <summary>
    /// After <see cref="ParseInto"/> read an event: the newlines in the bytes it consumed, and where the last of them
    /// is (-1: none); -1 when it did not count them.
    /// </summary>
    public int Newlines { get; private set; } = -1;

    /// <inheritdoc cref="Newlines"/>
    public int LastNewline { get; private set; } = -1;

    private FlatEventRead ParseCore(ReadOnlyMemory<byte> window, out int end)
    {
        end = 0;
        var bytes = window.Span;
        TimestampMs = null;
        var p = SkipWhitespace(bytes, 0);
        if (p >= bytes.Length)
        {
            return FlatEventRead.NeedMore;
        }
        if (bytes[p] != (byte)',')
        {
            return FlatEventRead.Declined;
        }
        p = SkipWhitespace(bytes, p + 1);
        if (p >= bytes.Length)
        {
            return FlatEventRead.NeedMore;
        }
        if (bytes[p] != (byte)'{')
        {
            return FlatEventRead.Declined;
        }
        p++;
        var seen = 0;
        while (true)
        {
            p = SkipWhitespace(bytes, p);
            if (p >= bytes.Length)
            {
                return FlatEventRead.NeedMore;
            }
            if (bytes[p] == (byte)'}' && seen != 0)
            {
                end = p + 1;
                return (seen & 1) != 0 ? FlatEventRead.Done : FlatEventRead.Declined;
            }
            if (seen != 0)
            {
                if (bytes[p] != (byte)',')
                {
                    return FlatEventRead.Declined;
                }
                p = SkipWhitespace(bytes, p + 1);
                if (p >= bytes.Length)
                {
                    return FlatEventRead.NeedMore;
                }
            }
            if (bytes[p] != (byte)'"')
            {
                return FlatEventRead.Declined;
            }
            var nameEnd = bytes[(p + 1)..].IndexOfAny(StringStops);
            if (nameEnd < 0)
            {
                return FlatEventRead.NeedMore;
            }
            var name = bytes.Slice(p + 1, nameEnd);
            p += nameEnd + 1;
            if (bytes[p] != (byte)'"')
            {
                return FlatEventRead.Declined;
            }
            var member = name.SequenceEqual("message"u8) ? 1 : name.SequenceEqual("timestamp"u8) ? 2
                : name.SequenceEqual("logStreamName"u8) ? 4 : name.SequenceEqual("ingestionTime"u8) ? 8
                : name.SequenceEqual("eventId"u8) ? 16 : name.SequenceEqual("id"u8) ? 32 : 0;
            if (member == 0 || (seen & member) != 0)
            {
                return FlatEventRead.Declined;
            }
            seen |= member;
            p = SkipWhitespace(bytes, p + 1);
            if (p >= bytes.Length)
            {
                return FlatEventRead.NeedMore;
            }
            if (bytes[p] != (byte)':')
            {
                return FlatEventRead.Declined;
            }
            p = SkipWhitespace(bytes, p + 1);
            if (p >= bytes.Length)
            {
                return FlatEventRead.NeedMore;
            }
            // The message must be a string and the time an integer, as the reference reader takes them.
            var result = bytes[p] == (byte)'"'
                ? member == 2 ? FlatEventRead.Declined : ReadString(window, p + 1, message: member == 1, out p)
                : member == 1 ? FlatEventRead.Declined : ReadInteger(bytes, p, timestamp: member == 2, out p);
            if (result != FlatEventRead.Done)
            {
                return result;
            }
        }
    }

    // A string from after its opening quote; p ends after the closing quote.
    private FlatEventRead ReadString(ReadOnlyMemory<byte> window, int start, bool message, out int p)
    {
        var bytes = window.Span;
        p = start;
        var escaped = false;
        if (message)
        {
            _unescapedLength = 0;
        }
        while (true)
        {
            var stop = bytes[p..].IndexOfAny(StringStops);
            if (stop < 0)
            {
                return FlatEventRead.NeedMore;
            }
            if (message && escaped)
            {
                Append(bytes.Slice(p, stop));
            }
            p += stop;
            var b = bytes[p];
            if (b == (byte)'"')
            {
                p++;
                break;
            }
            if (b != (byte)'\\' || !message)
            {
                return FlatEventRead.Declined; // a control char (invalid JSON), or an escape outside the message
            }
            if (p + 1 >= bytes.Length)
            {
                return FlatEventRead.NeedMore;
            }
            var unescaped = bytes[p + 1] switch
            {
                (byte)'"' => (byte)'"',
                (byte)'\\' => (byte)'\\',
                (byte)'/' => (byte)'/',
                (byte)'b' => (byte)'\b',
                (byte)'f' => (byte)'\f',
                (byte)'n' => (byte)'\n',
                (byte)'r' => (byte)'\r',
                (byte)'t' => (byte)'\t',
                _ => (byte)0, // \u (and its surrogate rules) and anything invalid: the tokeniser's
            };
            if (unescaped == 0)
            {
                return FlatEventRead.Declined;
            }
            if (!escaped)
            {
                escaped = true;
                Append(bytes[start..p]);
            }
            Append([unescaped]);
            p += 2;
        }
        var raw = bytes[start..(p - 1)];
        if (!message)
        {
            // The tokeniser may refuse invalid UTF-8 in any string; only a value certain to be read is taken.
            return Utf8.IsValid(raw) ? FlatEventRead.Done : FlatEventRead.Declined;
        }
        _isRaw = !escaped;
        if (_isRaw)
        {
            _raw = window[start..(p - 1)];
        }
        return FlatEventRead.Done;
    }

    // An integer as the tokeniser reads it (-?(0|[1-9][0-9]*)), up to 18 digits; p ends after it.
    private FlatEventRead ReadInteger(ReadOnlySpan<byte> bytes, int start, bool timestamp, out int p)
    {
        p = start;
        var negative = bytes[p] == (byte)'-';
        if (negative && ++p >= bytes.Length)
        {
            return FlatEventRead.NeedMore;
        }
        var digits = bytes[p..].IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        if (digits < 0)
        {
            return FlatEventRead.NeedMore;
        }
        if (digits is 0 or > 18 || digits > 1 && bytes[p] == (byte)'0')
        {
            return FlatEventRead.Declined;
        }
        var next = bytes[p + digits];
        if (next is not ((byte)',' or (byte)'}' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            return FlatEventRead.Declined; // a fraction, an exponent or anything else
        }
        var value = 0L;
        foreach (var d in bytes.Slice(p, digits))
        {
            value = value * 10 + (d - '0');
        }
        p += digits;
        if (timestamp)
        {
            value = negative ? -value : value;
            if (!FlatValueReaders.IsEventTime(value))
            {
                return FlatEventRead.Declined;
            }
            TimestampMs = value;
        }
        return FlatEventRead.Done;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_unescapedLength + bytes.Length > _unescaped.Length)
        {
            Array.Resize(ref _unescaped, Math.Max(_unescaped.Length * 2, _unescapedLength + bytes.Length));
        }
        bytes.CopyTo(_unescaped.AsSpan(_unescapedLength));
        _unescapedLength += bytes.Length;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> bytes, int from)
    {
        var at = bytes[from..].IndexOfAnyExcept(Space);
        return at < 0 ? bytes.Length : from + at;
    }

    private static byte[] StopBytes()
    {
        var stops = new List<byte> { (byte)'"', (byte)'\\' };
        for (var b = 0; b < 0x20; b++)
        {
            stops.Add((byte)b);
        }
        return [.. stops];
    }
}
