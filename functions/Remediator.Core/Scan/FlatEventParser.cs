using System.Buffers;
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
internal sealed class FlatEventParser
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

    private FlatEventRead ParseCore(ReadOnlyMemory<byte> window, out int end)
    {
        end = 0;
        var bytes = window.Span;
        TimestampMs = null;
        var p = SkipSpace(bytes, 0);
        if (p >= bytes.Length)
        {
            return FlatEventRead.NeedMore;
        }
        if (bytes[p] != (byte)',')
        {
            return FlatEventRead.Declined;
        }
        p = SkipSpace(bytes, p + 1);
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
            p = SkipSpace(bytes, p);
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
                p = SkipSpace(bytes, p + 1);
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
            p = SkipSpace(bytes, p + 1);
            if (p >= bytes.Length)
            {
                return FlatEventRead.NeedMore;
            }
            if (bytes[p] != (byte)':')
            {
                return FlatEventRead.Declined;
            }
            p = SkipSpace(bytes, p + 1);
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
            // DateTimeOffset's range, as the reference reader: outside it the event is refused there.
            if (value is < -62_135_596_800_000 or > 253_402_300_799_999)
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

    private static int SkipSpace(ReadOnlySpan<byte> bytes, int from)
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
