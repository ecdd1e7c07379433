using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// As <see cref="Parse"/>, and on <see cref="FlatEventRead.Done"/> the message is decoded into
    /// <paramref name="chars"/> from <paramref name="at"/> on (grown as needed, keeping what is before
    /// <paramref name="at"/>): <paramref name="messageChars"/> long, or -1 when it is not valid UTF-8 (or holds a lone
    /// surrogate), which the reference reader refuses. <paramref name="noBackslash"/> is true when the message is known
    /// to hold neither a backslash nor an escape char.
    /// </summary>
    public FlatEventRead ParseInto(ReadOnlyMemory<byte> window, bool final, ref char[] chars, int at, out int consumed, out int messageChars, out bool noBackslash)
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

    // The vector loads below read this many bytes (chars written) at a time; nothing is read or written past the
    // window or the char buffer: closer to their ends than that, the reference parse takes the event.
    private const int Lane = 16;

    /// <summary>
    /// The CLI's event as <see cref="ParseCore"/> reads it, for what it is sure of: the same members, values and
    /// end; false for anything it is not (the reference parse then decides, including NeedMore and Declined).
    /// </summary>
    private bool TryParsePlain(ReadOnlySpan<byte> bytes, char[] chars, int at, out int end, out int messageChars, out bool noBackslash)
    {
        end = 0;
        messageChars = -1;
        noBackslash = true;
        var limit = bytes.Length - Lane; // the last position a vector load may start at
        var p = SkipSpace(bytes, 0, limit);
        if (p < 0 || bytes[p] != (byte)',')
        {
            return false;
        }
        p = SkipSpace(bytes, p + 1, limit);
        if (p < 0 || bytes[p] != (byte)'{')
        {
            return false;
        }
        p++;
        var seen = 0;
        var values = 0;
        long? timestamp = null;
        while (true)
        {
            p = SkipSpace(bytes, p, limit);
            if (p < 0)
            {
                return false;
            }
            var c = bytes[p];
            if (c == (byte)'}')
            {
                if ((seen & 1) == 0)
                {
                    return false;
                }
                end = p + 1;
                TimestampMs = timestamp;
                KeepShape(bytes, values, end);
                return true;
            }
            if (seen != 0)
            {
                if (c != (byte)',')
                {
                    return false;
                }
                p = SkipSpace(bytes, p + 1, limit);
                if (p < 0)
                {
                    return false;
                }
                c = bytes[p];
            }
            if (c != (byte)'"')
            {
                return false;
            }
            // The name with its closing quote, so that only the exact name matches (an escaped one is the reference's).
            var name = bytes.Slice(p + 1, Lane - 1);
            var (member, length) = name[0] switch
            {
                (byte)'m' when name.StartsWith("message\""u8) => (1, 8),
                (byte)'t' when name.StartsWith("timestamp\""u8) => (2, 10),
                (byte)'l' when name.StartsWith("logStreamName\""u8) => (4, 14),
                (byte)'i' when name.StartsWith("ingestionTime\""u8) => (8, 14),
                (byte)'e' when name.StartsWith("eventId\""u8) => (16, 8),
                (byte)'i' when name.StartsWith("id\""u8) => (32, 3),
                _ => (0, 0),
            };
            if (member == 0 || (seen & member) != 0)
            {
                return false;
            }
            seen |= member;
            p = SkipSpace(bytes, p + 1 + length, limit);
            if (p < 0 || bytes[p] != (byte)':')
            {
                return false;
            }
            p = SkipSpace(bytes, p + 1, limit);
            if (p < 0)
            {
                return false;
            }
            var value = values++;
            _valueStarts[value] = bytes[p] == (byte)'"' ? p + 1 : p;
            _valueKinds[value] = member switch { 1 => MessageValue, 2 => TimeValue, _ => bytes[p] == (byte)'"' ? TextValue : NumberValue };
            if (member == 1)
            {
                if (bytes[p] != (byte)'"' || (p = DecodeMessage(bytes, p + 1, limit, chars, at, out messageChars, ref noBackslash)) < 0)
                {
                    return false;
                }
            }
            else if (bytes[p] == (byte)'"')
            {
                if (member == 2 || (p = SkipAsciiString(bytes, p + 1, limit)) < 0)
                {
                    return false;
                }
            }
            else
            {
                if ((p = ReadPlainInteger(bytes, p, needValue: member == 2, out var number)) < 0)
                {
                    return false;
                }
                if (member == 2)
                {
                    if (number is < -62_135_596_800_000 or > 253_402_300_799_999)
                    {
                        return false;
                    }
                    timestamp = number;
                }
            }
            _valueEnds[value] = p;
        }
    }

    // The shape of the last event read by TryParsePlain: what lies around its values (whitespace, punctuation and
    // member names), one gap before each value and one after the last, and what each value is.
    private const int MaxShapeBytes = 512;
    private const byte MessageValue = 1, TimeValue = 2, TextValue = 3, NumberValue = 4;
    private readonly byte[] _shape = new byte[MaxShapeBytes + 2 * 32]; // room for the vector loads of SameBytes
    private readonly int[] _gapEnds = new int[7];
    private readonly byte[] _valueKinds = new byte[6];
    private readonly int[] _valueStarts = new int[6];
    private readonly int[] _valueEnds = new int[6];
    private int _shapeValues = -1; // none yet
    // The newlines in the gaps, and the last: in which gap (-1: none) and where in it.
    private int _shapeNewlines, _lastNewlineGap = -1, _lastNewlineInGap;

    // Whether the bytes from p are the shape's from its offset on: gaps are short, and compared here without a call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool SameBytes(ReadOnlySpan<byte> bytes, int p, int offset, int length)
    {
        if (Vector256.IsHardwareAccelerated && length <= 2 * Vector256<byte>.Count && p + 2 * Vector256<byte>.Count <= bytes.Length)
        {
            ref var actual = ref Unsafe.Add(ref MemoryMarshal.GetReference(bytes), p);
            ref var shape = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_shape), offset);
            ulong differ = (~Vector256.Equals(Vector256.LoadUnsafe(ref actual), Vector256.LoadUnsafe(ref shape))).ExtractMostSignificantBits();
            if (length > Vector256<byte>.Count)
            {
                differ |= (ulong)(~Vector256.Equals(Vector256.LoadUnsafe(ref actual, 32), Vector256.LoadUnsafe(ref shape, 32))).ExtractMostSignificantBits() << 32;
            }
            return (differ & (ulong.MaxValue >> (64 - length))) == 0 || length == 0;
        }
        return bytes.Slice(p, length).SequenceEqual(_shape.AsSpan(offset, length));
    }

    private void KeepShape(ReadOnlySpan<byte> bytes, int values, int end)
    {
        _shapeValues = -1;
        _shapeNewlines = 0;
        _lastNewlineGap = -1;
        var length = 0;
        var from = 0;
        for (var i = 0; i <= values; i++)
        {
            var gap = bytes[from..(i < values ? _valueStarts[i] : end)];
            if (length + gap.Length > MaxShapeBytes)
            {
                return;
            }
            var newlines = gap.Count((byte)'\n');
            if (newlines > 0)
            {
                _shapeNewlines += newlines;
                _lastNewlineGap = i;
                _lastNewlineInGap = gap.LastIndexOf((byte)'\n');
            }
            gap.CopyTo(_shape.AsSpan(length));
            length += gap.Length;
            _gapEnds[i] = length;
            from = i < values ? _valueEnds[i] : end;
        }
        _shapeValues = values;
    }

    /// <summary>
    /// An event whose bytes around its values are exactly those of the last event read by
    /// <see cref="TryParsePlain"/>, and whose values are of the same kinds, is read as that would read it: only the
    /// values are scanned (an export's events nearly all have the same shape).
    /// </summary>
    private bool TryParseShaped(ReadOnlySpan<byte> bytes, char[] chars, int at, out int end, out int messageChars, out bool noBackslash)
    {
        end = 0;
        messageChars = -1;
        noBackslash = true;
        var values = _shapeValues;
        if (values < 0)
        {
            return false;
        }
        var limit = bytes.Length - Lane;
        long? timestamp = null;
        var p = 0;
        var from = 0;
        for (var i = 0; ; i++)
        {
            var gap = _gapEnds[i] - from;
            if (p + gap > limit || !SameBytes(bytes, p, from, gap))
            {
                return false;
            }
            p += gap;
            from += gap;
            if (i == values)
            {
                break;
            }
            var kind = _valueKinds[i];
            if (kind == MessageValue)
            {
                if ((p = DecodeMessage(bytes, p, limit, chars, at, out messageChars, ref noBackslash)) < 0)
                {
                    return false;
                }
            }
            else if (kind == TextValue)
            {
                if ((p = SkipAsciiString(bytes, p, limit)) < 0)
                {
                    return false;
                }
            }
            else
            {
                if ((p = ReadPlainInteger(bytes, p, needValue: kind == TimeValue, out var number)) < 0)
                {
                    return false;
                }
                if (kind == TimeValue)
                {
                    if (number is < -62_135_596_800_000 or > 253_402_300_799_999)
                    {
                        return false;
                    }
                    timestamp = number;
                }
            }
            _valueEnds[i] = p;
        }
        end = p;
        TimestampMs = timestamp;
        return true;
    }

    // The first byte at or after from that is not JSON whitespace; -1 when none before the limit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipSpace(ReadOnlySpan<byte> bytes, int from, int limit)
    {
        if (from > limit)
        {
            return -1;
        }
        // No space, or one (after a colon): no vector needed. Every byte above ' ' is not whitespace.
        ref var start = ref MemoryMarshal.GetReference(bytes);
        if (Unsafe.Add(ref start, from) > (byte)' ')
        {
            return from;
        }
        if (Unsafe.Add(ref start, from) == (byte)' ' && Unsafe.Add(ref start, from + 1) > (byte)' ')
        {
            return from + 1 <= limit ? from + 1 : -1;
        }
        while (from <= limit)
        {
            var v = Vector128.LoadUnsafe(ref start, (nuint)from);
            var space = Vector128.Equals(v, Vector128.Create((byte)' ')) | Vector128.Equals(v, Vector128.Create((byte)'\n'))
                | Vector128.Equals(v, Vector128.Create((byte)'\r')) | Vector128.Equals(v, Vector128.Create((byte)'\t'));
            var other = ~space.ExtractMostSignificantBits() & 0xFFFF;
            if (other != 0)
            {
                var at = from + BitOperations.TrailingZeroCount(other);
                return at <= limit ? at : -1;
            }
            from += Lane;
        }
        return -1;
    }

    // Where a plain run of string bytes ends: a quote, a backslash, a control char or a non-ASCII byte (signed, below 0x20).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Stops(Vector128<byte> v) =>
        (Vector128.Equals(v, Vector128.Create((byte)'"')) | Vector128.Equals(v, Vector128.Create((byte)'\\'))
            | Vector128.LessThan(v.AsSByte(), Vector128.Create((sbyte)0x20)).AsByte()).ExtractMostSignificantBits();

    // An ASCII string with no escape from after its opening quote; the position after its closing quote, or -1.
    private static int SkipAsciiString(ReadOnlySpan<byte> bytes, int p, int limit)
    {
        ref var start = ref MemoryMarshal.GetReference(bytes);
        while (p <= limit)
        {
            var stops = Stops(Vector128.LoadUnsafe(ref start, (nuint)p));
            if (stops != 0)
            {
                p += BitOperations.TrailingZeroCount(stops);
                return bytes[p] == (byte)'"' ? p + 1 : -1;
            }
            p += Lane;
        }
        return -1;
    }

    // The message from after its opening quote, decoded into chars from at as it is scanned (ASCII widened, short
    // escapes unescaped); the position after its closing quote, or -1 for anything else (non-ASCII, \u, a control char).
    private static int DecodeMessage(ReadOnlySpan<byte> bytes, int p, int limit, char[] chars, int at, out int messageChars, ref bool noBackslash)
    {
        messageChars = -1;
        ref var start = ref MemoryMarshal.GetReference(bytes);
        ref var output = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetArrayDataReference(chars));
        var w = at;
        var room = chars.Length - 2 * Lane; // the last position two widened halves may be stored at
        while (true)
        {
            uint stops;
            if (Vector256.IsHardwareAccelerated && p + 2 * Lane <= bytes.Length && w + 2 * Lane <= chars.Length)
            {
                var wide = Vector256.LoadUnsafe(ref start, (nuint)p);
                var (low, high) = Vector256.Widen(wide);
                low.StoreUnsafe(ref output, (nuint)w);
                high.StoreUnsafe(ref output, (nuint)(w + Lane));
                stops = (Vector256.Equals(wide, Vector256.Create((byte)'"')) | Vector256.Equals(wide, Vector256.Create((byte)'\\'))
                    | Vector256.LessThan(wide.AsSByte(), Vector256.Create((sbyte)0x20)).AsByte()).ExtractMostSignificantBits();
                if (stops == 0)
                {
                    p += 2 * Lane;
                    w += 2 * Lane;
                    continue;
                }
            }
            else
            {
                if (p > limit || w > room)
                {
                    return -1;
                }
                var v = Vector128.LoadUnsafe(ref start, (nuint)p);
                var (lower, upper) = Vector128.Widen(v);
                lower.StoreUnsafe(ref output, (nuint)w);
                upper.StoreUnsafe(ref output, (nuint)(w + Lane / 2));
                stops = Stops(v);
                if (stops == 0)
                {
                    p += Lane;
                    w += Lane;
                    continue;
                }
            }
            var run = BitOperations.TrailingZeroCount(stops);
            p += run;
            w += run;
            var b = bytes[p];
            if (b == (byte)'"')
            {
                messageChars = w - at;
                return p + 1;
            }
            if (b != (byte)'\\' || p + 1 >= bytes.Length)
            {
                return -1;
            }
            var unescaped = bytes[p + 1] switch
            {
                (byte)'"' => '"',
                (byte)'\\' => '\\',
                (byte)'/' => '/',
                (byte)'b' => '\b',
                (byte)'f' => '\f',
                (byte)'n' => '\n',
                (byte)'r' => '\r',
                (byte)'t' => '\t',
                _ => '\0',
            };
            if (unescaped == '\0')
            {
                return -1;
            }
            noBackslash &= unescaped != '\\';
            chars[w++] = unescaped;
            p += 2;
        }
    }

    // An integer as ReadInteger takes it; the position after it, or -1. Its digits are found with one vector (p is at
    // most the limit), and its value computed only for the time.
    private static int ReadPlainInteger(ReadOnlySpan<byte> bytes, int p, bool needValue, out long value)
    {
        value = 0;
        var negative = bytes[p] == (byte)'-';
        var first = negative ? p + 1 : p;
        if (first + Lane > bytes.Length)
        {
            return -1;
        }
        var v = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(bytes), (nuint)first);
        var notDigits = Vector128.GreaterThan(v - Vector128.Create((byte)'0'), Vector128.Create((byte)9)).ExtractMostSignificantBits();
        // Up to 15 digits here (past that, or at the window's end, the reference decides); times have 13.
        var digits = BitOperations.TrailingZeroCount(notDigits | 0x8000u);
        if (digits is 0 or 15 || digits > 1 && bytes[first] == (byte)'0')
        {
            return -1;
        }
        var end = first + digits;
        if (bytes[end] is not ((byte)',' or (byte)'}' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            return -1;
        }
        if (needValue)
        {
            for (var i = first; i < end; i++)
            {
                value = value * 10 + (bytes[i] - '0');
            }
            value = negative ? -value : value;
        }
        return end;
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
