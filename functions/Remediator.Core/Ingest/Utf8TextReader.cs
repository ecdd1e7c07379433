using System.Buffers;
using System.Text.Unicode;

namespace Remediator.Core.Ingest;

/// <summary>
/// UTF-8 text read as a <see cref="StreamReader"/> with <c>new UTF8Encoding(false, false)</c> reads it (invalid bytes
/// become U+FFFD, a sequence cut at the end of one read is completed by the next, one left incomplete at the end of
/// the input becomes U+FFFD), without a leading byte order mark (the caller strips it), but decoded straight into the
/// caller's buffer from one reused byte block: no decoder, no char buffer of its own, no 64 KB reads through it. On
/// the text export this was a tenth of the CPU: the StreamReader's copy and its decoder's state per call.
/// </summary>
internal sealed class Utf8TextReader(Stream input) : TextReader
{
    private const int BlockBytes = 256 * 1024;
    private byte[]? _bytes = ArrayPool<byte>.Shared.Rent(BlockBytes);
    private int _start, _end;   // the bytes read and not yet decoded
    private bool _eof;
    private readonly char[] _held = new char[2]; // chars decoded but not yet handed out (a peeked one, a pair's second half)
    private int _heldStart, _heldEnd;

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        var total = TakeHeld(buffer);
        var bytes = _bytes ?? throw new ObjectDisposedException(nameof(Utf8TextReader));
        while (total < buffer.Length)
        {
            if (_start == _end && !Fill(bytes))
            {
                break;
            }
            // A char never takes more than one byte of its own, so this many bytes always fit.
            var room = buffer.Length - total;
            var available = _end - _start;
            var source = bytes.AsSpan(_start, Math.Min(available, room));
            var status = Utf8.ToUtf16(source, buffer[total..], out var read, out var written, replaceInvalidSequences: true,
                isFinalBlock: _eof && source.Length == available);
            _start += read;
            total += written;
            if (status != System.Buffers.OperationStatus.NeedMoreData)
            {
                continue;
            }
            if (source.Length < available)
            {
                // Cut by the room left, not by the input: a sequence that needs more room than is left.
                if (total == 0 && Hold(bytes))
                {
                    total = TakeHeld(buffer);
                }
                break;
            }
            // A sequence cut by the end of the bytes read: read more behind it (at the end of the input it is final).
            if (!Fill(bytes))
            {
                break;
            }
        }
        return total;
    }

    public override int Read()
    {
        Span<char> one = stackalloc char[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    public override int Peek() =>
        _heldStart < _heldEnd || Hold(_bytes ?? throw new ObjectDisposedException(nameof(Utf8TextReader))) ? _held[_heldStart] : -1;

    private int TakeHeld(Span<char> buffer)
    {
        var n = Math.Min(buffer.Length, _heldEnd - _heldStart);
        _held.AsSpan(_heldStart, n).CopyTo(buffer);
        _heldStart += n;
        return n;
    }

    /// <summary>More bytes behind the undecoded ones; false at the end of the input with none left.</summary>
    private bool Fill(byte[] bytes)
    {
        if (_eof)
        {
            return _start < _end;
        }
        if (_start > 0)
        {
            bytes.AsSpan(_start, _end - _start).CopyTo(bytes);
            _end -= _start;
            _start = 0;
        }
        var read = input.Read(bytes, _end, bytes.Length - _end);
        if (read == 0)
        {
            _eof = true;
            return _start < _end;
        }
        _end += read;
        return true;
    }

    /// <summary>The next char or two decoded into the held ones (for a buffer too small for them, or a peek); false at the end.</summary>
    private bool Hold(byte[] bytes)
    {
        while (true)
        {
            var available = _end - _start;
            if (available > 0)
            {
                Utf8.ToUtf16(bytes.AsSpan(_start, Math.Min(available, 4)), _held, out var read, out var written, replaceInvalidSequences: true,
                    isFinalBlock: _eof && available <= 4);
                if (written > 0)
                {
                    _start += read;
                    _heldStart = 0;
                    _heldEnd = written;
                    return true;
                }
            }
            // Nothing left, or a sequence cut by the end of the bytes read too.
            if (!Fill(bytes))
            {
                return false;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _bytes is { } bytes)
        {
            _bytes = null;
            ArrayPool<byte>.Shared.Return(bytes);
            input.Dispose();
        }
        base.Dispose(disposing);
    }
}
