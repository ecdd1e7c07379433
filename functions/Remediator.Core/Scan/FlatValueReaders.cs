using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Remediator.Core.Scan;

/// <summary>
/// The vectorised value readers of <see cref="FlatEventParser"/>'s fast paths: whitespace, an ASCII string, the
/// message (decoded as it is scanned) and an integer; -1 for anything they are not sure of (the reference parse then
/// decides).
/// </summary>
internal static class FlatValueReaders
{
    // The vector loads below read this many bytes (chars written) at a time; nothing is read or written past the
    // window or the char buffer: closer to their ends than that, the reference parse takes the event.
    internal const int Lane = 16;

    // The first byte at or after from that is not JSON whitespace; -1 when none before the limit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SkipSpace(ReadOnlySpan<byte> bytes, int from, int limit)
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SkipAsciiString(ReadOnlySpan<byte> bytes, int p, int limit)
    {
        ref var start = ref MemoryMarshal.GetReference(bytes);
        // 32 bytes at a time while they are in the window (ids and stream names are 17 to 64 chars), then 16.
        while (Vector256.IsHardwareAccelerated && p + 2 * Lane <= bytes.Length)
        {
            var v = Vector256.LoadUnsafe(ref start, (nuint)p);
            var wide = (Vector256.Equals(v, Vector256.Create((byte)'"')) | Vector256.Equals(v, Vector256.Create((byte)'\\'))
                | Vector256.LessThan(v.AsSByte(), Vector256.Create((sbyte)0x20)).AsByte()).ExtractMostSignificantBits();
            if (wide != 0)
            {
                p += BitOperations.TrailingZeroCount(wide);
                return bytes[p] == (byte)'"' ? p + 1 : -1;
            }
            p += 2 * Lane;
        }
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
    internal static int DecodeMessage(ReadOnlySpan<byte> bytes, int p, int limit, char[] chars, int at, out int messageChars, ref bool noBackslash)
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ReadPlainInteger(ReadOnlySpan<byte> bytes, int p, bool needValue, out long value)
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
            value = Digits(bytes, first, digits);
            value = negative ? -value : value;
        }
        return end;
    }

    /// <summary>
    /// Whether an event's time in ms is within DateTimeOffset's range: outside it the reference reader refuses the
    /// event, so every faster path declines it too.
    /// </summary>
    internal static bool IsEventTime(long ms) => ms is >= -62_135_596_800_000 and <= 253_402_300_799_999;

    // The value of the digits from first on (at most 18, all checked to be digits).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long Digits(ReadOnlySpan<byte> bytes, int first, int digits)
    {
        if (digits == 13 && BitConverter.IsLittleEndian)
        {
            // A time in ms from 2001 to 2286 has 13 digits: two groups of 8 at once ("000" and the first 5, then
            // the last 8), not 13 dependent steps.
            ref var d = ref Unsafe.Add(ref MemoryMarshal.GetReference(bytes), first);
            return EightDigits(Unsafe.ReadUnaligned<ulong>(ref d) << 24 | 0x30_30_30UL) * 100_000_000L
                + EightDigits(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, 5)));
        }
        var value = 0L;
        foreach (var digit in bytes.Slice(first, digits))
        {
            value = value * 10 + (digit - '0');
        }
        return value;
    }

    // The value of 8 ASCII digits read as a little-endian ulong (the first digit in the lowest byte): pairs, then
    // fours, then the eight, each step a multiply of all lanes at once.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long EightDigits(ulong v)
    {
        v -= 0x30_30_30_30_30_30_30_30UL;
        v = v * 10 + (v >> 8);
        v = ((v & 0x000000FF_000000FFUL) * (100 + (1_000_000UL << 32)) + ((v >> 16) & 0x000000FF_000000FFUL) * (1 + (10_000UL << 32))) >> 32;
        return (long)(uint)v;
    }
}
