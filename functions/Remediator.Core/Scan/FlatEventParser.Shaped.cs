using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static Remediator.Core.Scan.FlatValueReaders;

namespace Remediator.Core.Scan;

// FlatEventParser's fast paths: the CLI's event read in one pass (TryParsePlain), and an event of the same shape as the
// one before read by comparing what lies around its values and scanning only the values (TryParseShaped).
internal sealed partial class FlatEventParser
{
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
                KeepTemplate(bytes, values, end);
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
                    if (!IsEventTime(number))
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
        var timestamp = 0L;
        var hasTimestamp = false;
        var p = 0;
        var from = 0;
        // The shape's arrays hold one entry per value (and gap) that it has: read without a bounds check each.
        ref var gapEnds = ref MemoryMarshal.GetArrayDataReference(_gapEnds);
        ref var valueKinds = ref MemoryMarshal.GetArrayDataReference(_valueKinds);
        ref var valueEnds = ref MemoryMarshal.GetArrayDataReference(_valueEnds);
        ref var valueStarts = ref MemoryMarshal.GetArrayDataReference(_valueStarts);
        for (var i = 0; ; i++)
        {
            var gap = Unsafe.Add(ref gapEnds, i) - from;
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
            Unsafe.Add(ref valueStarts, i) = p;
            var kind = Unsafe.Add(ref valueKinds, i);
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
                    if (!IsEventTime(number))
                    {
                        return false;
                    }
                    timestamp = number;
                    hasTimestamp = true;
                }
            }
            Unsafe.Add(ref valueEnds, i) = p;
        }
        end = p;
        TimestampMs = hasTimestamp ? timestamp : null;
        KeepTemplate(bytes, values, end);
        return true;
    }
}
