using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static Remediator.Core.Scan.FlatValueReaders;

namespace Remediator.Core.Scan;

// FlatEventParser's fastest path: an export's events differ from each other, outside their messages, only in the
// digits of their times and ids. An event whose bytes before and after its message are those of an event read by the
// other paths (the template), except where that event had a digit after a number's first digit or a char of a string
// other than the message, is read by comparing those bytes with the template's 32 at a time: every such event
// differs from the template only in values of the same length and kind, so the other paths would read it the same.
internal sealed partial class FlatEventParser
{
    private const int MaxRepeatBytes = 256;
    // The template: its bytes up to the message's opening quote (prefix) and from after its closing quote (suffix);
    // for each byte, whether a digit there may differ, and whether a plain string char there may.
    private readonly byte[] _prefix = new byte[MaxRepeatBytes], _prefixDigits = new byte[MaxRepeatBytes], _prefixText = new byte[MaxRepeatBytes];
    private readonly byte[] _suffix = new byte[MaxRepeatBytes], _suffixDigits = new byte[MaxRepeatBytes], _suffixText = new byte[MaxRepeatBytes];
    private int _prefixLength = -1, _suffixLength; // -1: no template
    // The time's digits: where they start (in the prefix, or in the suffix when _timeInSuffix), how many, its sign;
    // _timeDigits is 0 when the template has no time.
    private int _timeAt, _timeDigits;
    private bool _timeInSuffix, _timeNegative;
    // The template's newlines, and where the last is: from the event's start (in the prefix) or from its end (in the suffix).
    private int _repeatNewlines, _lastNewlineFromStart, _lastNewlineFromEnd;

    /// <summary>
    /// Reads the event at the start of <paramref name="bytes"/> as <see cref="TryParseShaped"/> would, when it is the
    /// template but for its message and the digits and string chars that may differ; false otherwise.
    /// </summary>
    public bool TryParseRepeat(ReadOnlySpan<byte> bytes, char[] chars, int at, out int end, out int messageChars, out bool noBackslash)
    {
        end = 0;
        messageChars = -1;
        noBackslash = true;
        var prefix = _prefixLength;
        if (prefix < 0 || prefix > bytes.Length || !SameOrAllowed(bytes, 0, _prefix, _prefixDigits, _prefixText, prefix))
        {
            return false;
        }
        var p = DecodeMessage(bytes, prefix, bytes.Length - Lane, chars, at, out messageChars, ref noBackslash);
        var suffix = _suffixLength;
        if (p < 0 || p + suffix > bytes.Length || !SameOrAllowed(bytes, p, _suffix, _suffixDigits, _suffixText, suffix))
        {
            return false;
        }
        end = p + suffix;
        long? timestamp = null;
        if (_timeDigits > 0)
        {
            var value = Digits(bytes, _timeInSuffix ? p + _timeAt : _timeAt, _timeDigits);
            value = _timeNegative ? -value : value;
            if (!IsEventTime(value))
            {
                return false;
            }
            timestamp = value;
        }
        TimestampMs = timestamp;
        Newlines = _repeatNewlines;
        LastNewline = _lastNewlineFromEnd > 0 ? end - _lastNewlineFromEnd : _lastNewlineFromStart;
        return true;
    }

    // Whether the length bytes from p are the template's, or differ only where it allows a digit or a string char
    // (ASCII, not a quote, a backslash or a control char): 32 at a time, the last 32 overlapping the ones before.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SameOrAllowed(ReadOnlySpan<byte> bytes, int p, byte[] template, byte[] digits, byte[] text, int length)
    {
        ref var actual = ref Unsafe.Add(ref MemoryMarshal.GetReference(bytes), p);
        ref var same = ref MemoryMarshal.GetArrayDataReference(template);
        ref var digit = ref MemoryMarshal.GetArrayDataReference(digits);
        ref var plain = ref MemoryMarshal.GetArrayDataReference(text);
        var last = (nuint)(length - Vector256<byte>.Count);
        var all = Vector256<byte>.AllBitsSet;
        for (nuint i = 0; ; i += (nuint)Vector256<byte>.Count)
        {
            if (i > last)
            {
                i = last;
            }
            var v = Vector256.LoadUnsafe(ref actual, i);
            var isDigit = Vector256.LessThanOrEqual(v - Vector256.Create((byte)'0'), Vector256.Create((byte)9));
            var stop = Vector256.Equals(v, Vector256.Create((byte)'"')) | Vector256.Equals(v, Vector256.Create((byte)'\\'))
                | Vector256.LessThan(v.AsSByte(), Vector256.Create((sbyte)0x20)).AsByte();
            all &= Vector256.Equals(v, Vector256.LoadUnsafe(ref same, i))
                | (Vector256.LoadUnsafe(ref digit, i) & isDigit)
                | Vector256.AndNot(Vector256.LoadUnsafe(ref plain, i), stop);
            if (i == last)
            {
                return all == Vector256<byte>.AllBitsSet;
            }
        }
    }

    // Makes the event just read (values of it, valueStarts and valueEnds set, ending at end) the template, when its
    // message is a string and the bytes around it are neither too few for a vector nor too many.
    private void KeepTemplate(ReadOnlySpan<byte> bytes, int values, int end)
    {
        _prefixLength = -1;
        if (!Vector256.IsHardwareAccelerated)
        {
            return;
        }
        var message = Array.IndexOf(_valueKinds, MessageValue, 0, values);
        if (message < 0)
        {
            return;
        }
        var prefix = _valueStarts[message];
        var suffixStart = _valueEnds[message];
        var suffix = end - suffixStart;
        if (prefix is < 32 or > MaxRepeatBytes || suffix is < 32 or > MaxRepeatBytes)
        {
            return;
        }
        bytes[..prefix].CopyTo(_prefix);
        bytes[suffixStart..end].CopyTo(_suffix);
        Array.Clear(_prefixDigits);
        Array.Clear(_prefixText);
        Array.Clear(_suffixDigits);
        Array.Clear(_suffixText);
        _timeDigits = 0;
        for (var i = 0; i < values; i++)
        {
            var kind = _valueKinds[i];
            if (kind == MessageValue)
            {
                continue;
            }
            var inSuffix = i > message;
            var offset = inSuffix ? suffixStart : 0;
            var start = _valueStarts[i] - offset;
            var stop = _valueEnds[i] - offset;
            var (template, allowed) = inSuffix ? (_suffix, kind == TextValue ? _suffixText : _suffixDigits) : (_prefix, kind == TextValue ? _prefixText : _prefixDigits);
            if (kind == TextValue)
            {
                allowed.AsSpan(start, stop - 1 - start).Fill(0xFF); // the chars, not the closing quote
                continue;
            }
            // A number keeps its sign and first digit, so that it is never "-" alone nor has a leading zero.
            var negative = template[start] == (byte)'-';
            var first = negative ? start + 1 : start;
            allowed.AsSpan(first + 1, stop - first - 1).Fill(0xFF);
            if (kind == TimeValue)
            {
                _timeAt = first;
                _timeDigits = stop - first;
                _timeNegative = negative;
                _timeInSuffix = inSuffix;
            }
        }
        var prefixBytes = _prefix.AsSpan(0, prefix);
        var suffixBytes = _suffix.AsSpan(0, suffix);
        _repeatNewlines = prefixBytes.Count((byte)'\n') + suffixBytes.Count((byte)'\n');
        var lastInSuffix = suffixBytes.LastIndexOf((byte)'\n');
        _lastNewlineFromEnd = lastInSuffix < 0 ? 0 : suffix - lastInSuffix;
        _lastNewlineFromStart = prefixBytes.LastIndexOf((byte)'\n');
        _prefixLength = prefix;
        _suffixLength = suffix;
    }
}
