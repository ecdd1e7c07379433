using System.Text.Json;

namespace Remediator.Core.Ingest;

/// <summary>
/// Reads a JSON stream token by token through a growable window, so that a multi-GB export is read in memory
/// bounded by its largest single value, and hands out whole values (an event object) as bytes.
/// </summary>
internal sealed class JsonTokenStream
{
    private readonly Stream _stream;
    private readonly int _maxValueBytes;
    private byte[] _buffer;
    private int _start, _end;
    private bool _final;
    private JsonReaderState _state;
    // Where the last Read() began, and the reader state then: ReadValue() re-reads that token with its children.
    private int _tokenReadStart;
    private JsonReaderState _tokenState;

    public JsonTokenStream(Stream stream, int maxValueBytes, bool multipleValues = false)
    {
        _stream = stream;
        _maxValueBytes = maxValueBytes;
        _buffer = new byte[64 * 1024];
        _state = new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = multipleValues, MaxDepth = 64 });
    }

    public JsonTokenType TokenType { get; private set; }
    public int Depth { get; private set; }
    /// <summary>The text of a property name or string token (unescaped); the raw text of a number.</summary>
    public string? Text { get; private set; }

    public bool Read()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            if (reader.Read())
            {
                TokenType = reader.TokenType;
                Depth = reader.CurrentDepth;
                Text = reader.TokenType switch
                {
                    JsonTokenType.PropertyName or JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                    _ => null,
                };
                _tokenReadStart = _start;
                _tokenState = _state;
                _state = reader.CurrentState;
                _start += (int)reader.BytesConsumed;
                return true;
            }
            if (_final)
            {
                return false;
            }
            Refill(_start);
        }
    }

    /// <summary>The whole value whose first token the last <see cref="Read"/> returned; valid until the next call.</summary>
    public ReadOnlyMemory<byte> ReadValue()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_tokenReadStart, _end - _tokenReadStart), _final, _tokenState);
            reader.Read();
            var valueStart = _tokenReadStart + (int)reader.TokenStartIndex;
            if (reader.TrySkip())
            {
                var end = _tokenReadStart + (int)reader.BytesConsumed;
                _state = reader.CurrentState;
                _start = end;
                TokenType = reader.TokenType;
                Depth = reader.CurrentDepth;
                return _buffer.AsMemory(valueStart, end - valueStart);
            }
            if (_final)
            {
                throw new JsonException("the JSON ends in the middle of a value");
            }
            Refill(_tokenReadStart);
        }
    }

    /// <summary>What a <see cref="ValueReader"/> made of a value.</summary>
    internal enum ValueRead
    {
        /// <summary>Read to its last token: the stream moves past the value.</summary>
        Done,
        /// <summary>Not the reader's kind of value: the stream stays on its first token (<see cref="ReadValue"/> is next).</summary>
        Declined,
        /// <summary>The window ended inside the value: the stream reads more and calls the reader again from the start.</summary>
        NeedMore,
    }

    /// <summary>Reads one value from its first token (already read) to its last; see <see cref="ValueRead"/>.</summary>
    internal delegate ValueRead ValueReader(ref Utf8JsonReader reader);

    /// <summary>
    /// Reads the value whose first token the last <see cref="Read"/> returned with <paramref name="read"/>, in the one
    /// tokenisation that <see cref="ReadValue"/> would make of it to find its end: true when it read the value (the
    /// stream is past it, as after <see cref="ReadValue"/>), false when it declined (the stream is where it was).
    /// </summary>
    public bool TryReadValue(ValueReader read, out ReadOnlyMemory<byte> value)
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_tokenReadStart, _end - _tokenReadStart), _final, _tokenState);
            reader.Read();
            var valueStart = _tokenReadStart + (int)reader.TokenStartIndex;
            ValueRead result;
            try
            {
                result = read(ref reader);
            }
            catch (JsonException)
            {
                result = ValueRead.Declined; // ReadValue meets the same error and reports it as before
            }
            switch (result)
            {
                case ValueRead.Done:
                    var end = _tokenReadStart + (int)reader.BytesConsumed;
                    _state = reader.CurrentState;
                    _start = end;
                    TokenType = reader.TokenType;
                    Depth = reader.CurrentDepth;
                    value = _buffer.AsMemory(valueStart, end - valueStart);
                    return true;
                case ValueRead.NeedMore when !_final:
                    Refill(_tokenReadStart);
                    continue;
                default:
                    value = default;
                    return false;
            }
        }
    }

    /// <summary>
    /// Reads raw bytes at the stream's position; see <see cref="TryReadNextElement"/>. On Done it may tell how many
    /// newlines the bytes it consumed hold and where the last is (-1: none), or leave <paramref name="newlines"/> at -1.
    /// </summary>
    internal delegate Scan.FlatEventRead RawElementReader(ReadOnlyMemory<byte> window, bool final, out int consumed, out int newlines, out int lastNewline);

    /// <summary>
    /// Reads the next element of an array straight from the bytes after the last token, which must be the end of the
    /// array's previous element (an object): <paramref name="read"/> gets the rest of the window, and on Done the
    /// stream moves past what it consumed (which must be <c>, element</c>), and is again on the end of an element,
    /// in the same tokeniser state. On false nothing more moved, and the tokeniser is told the lines and columns of
    /// what was read this way, so that its error messages give the same line and position as before.
    /// </summary>
    internal bool TryReadNextElement(RawElementReader read)
    {
        while (true)
        {
            var result = read(_buffer.AsMemory(_start, _end - _start), _final, out var consumed, out var lines, out var last);
            if (result == Scan.FlatEventRead.Done)
            {
                if (lines < 0)
                {
                    var skipped = _buffer.AsSpan(_start, consumed);
                    lines = skipped.Count((byte)'\n');
                    last = skipped.LastIndexOf((byte)'\n');
                }
                _skippedLines += lines;
                _skippedColumns = lines > 0 ? consumed - 1 - last : _skippedColumns + consumed;
                _start += consumed;
                _flatRead += consumed;
                return true;
            }
            // Past a megabyte an element is no plain event: the tokeniser takes it (and its size limit applies).
            if (result != Scan.FlatEventRead.NeedMore || _final || _end - _start >= 1024 * 1024)
            {
                if (!RestReadsWithoutError())
                {
                    CatchUpPosition();
                }
                return false;
            }
            _tokenReadStart = _start;
            // A long run of elements read this way is an export, not a delivery: past a megabyte, reads of a quarter of
            // one, which cost the kernel less per byte than reads of 64 KB.
            if (_flatRead > 1024 * 1024 && _buffer.Length < FlatReadBytes && _maxValueBytes >= FlatReadBytes)
            {
                var grown = new byte[FlatReadBytes];
                _buffer.AsSpan(_start, _end - _start).CopyTo(grown);
                _buffer = grown;
                _end -= _start;
                _start = _tokenReadStart = 0;
            }
            Refill(_start);
        }
    }

    private const int FlatReadBytes = 256 * 1024;
    private long _flatRead;

    // Lines and columns (bytes after the last of those lines) read past the tokeniser since it last read.
    private long _skippedLines;
    private long _skippedColumns;
    private byte[]? _standIn;

    // Lines and columns show in the tokeniser's errors only: when the rest of the input is short (the end of an export
    // after its last event) and reads to its end without one, the stand-in would change nothing that can be seen, and
    // is not read (it costs a pass over as many bytes as lines were read past). Tried only when reading the rest costs
    // less than the stand-in would.
    private bool RestReadsWithoutError()
    {
        var standIn = _skippedLines + _skippedColumns;
        if (!_final)
        {
            if ((_end - _start) * 4L >= standIn || _end - _start >= _buffer.Length / 2)
            {
                return false;
            }
            _tokenReadStart = _start;
            Refill(_start);
            if (!_final && (_end - _start) * 4L < standIn && _end < _buffer.Length)
            {
                Refill(_start); // a read that returns nothing marks the end
            }
        }
        if (!_final || (_end - _start) * 4L >= standIn)
        {
            return false;
        }
        try
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), isFinalBlock: true, _state);
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return false; // the stand-in gives the error its line and position
        }
        _skippedLines = _skippedColumns = 0;
        return true;
    }

    // The tokeniser counts lines and columns for its error messages only, and has no way to set them: it reads in
    // their place a stand-in of the same shape, ",{}" after as many newlines and spaces, which leaves it on the end
    // of an element at the line and column where the elements read past it ended.
    private void CatchUpPosition()
    {
        if (_skippedLines == 0 && _skippedColumns == 0)
        {
            return;
        }
        const int chunk = 64 * 1024;
        var need = (int)Math.Min(2L * chunk + 8, _skippedLines + _skippedColumns + 8);
        if (_standIn is null || _standIn.Length < need)
        {
            _standIn = new byte[need];
        }
        var standIn = _standIn;
        while (_skippedLines > 0 || _skippedColumns > 0)
        {
            var newlines = (int)Math.Min(_skippedLines, chunk);
            _skippedLines -= newlines;
            int length;
            if (_skippedLines > 0)
            {
                standIn.AsSpan(0, newlines).Fill((byte)'\n');
                ",{}"u8.CopyTo(standIn.AsSpan(newlines));
                length = newlines + 3;
            }
            else if (_skippedColumns >= 3 || newlines == 0)
            {
                var spaces = (int)Math.Min(Math.Max(0, _skippedColumns - 3), chunk);
                var at = 0;
                standIn.AsSpan(at, newlines).Fill((byte)'\n');
                at += newlines;
                if (_skippedColumns - spaces - 3 is > 0 and < 3)
                {
                    // One long line read past, in stand-ins of at most a chunk each: the last needs room for its ",{}".
                    spaces -= 3;
                }
                standIn.AsSpan(at, spaces).Fill((byte)' ');
                ",{}"u8.CopyTo(standIn.AsSpan(at + spaces));
                length = at + spaces + 3;
                // What is left, if anything, stays on the same line: the next stand-in adds its columns.
                _skippedColumns -= spaces + 3;
            }
            else
            {
                // The element ended one or two columns into its last line: "{" closes on the line after ",".
                standIn.AsSpan(0, newlines - 1).Fill((byte)'\n');
                ",{\n"u8.CopyTo(standIn.AsSpan(newlines - 1));
                var at = newlines + 2;
                standIn.AsSpan(at, (int)_skippedColumns - 1).Fill((byte)' ');
                at += (int)_skippedColumns - 1;
                standIn[at] = (byte)'}';
                length = at + 1;
                _skippedColumns = 0;
            }
            Read(standIn.AsSpan(0, length));
        }

        void Read(ReadOnlySpan<byte> bytes)
        {
            var reader = new Utf8JsonReader(bytes, isFinalBlock: false, _state);
            while (reader.Read())
            {
            }
            _state = reader.CurrentState;
        }
    }

    /// <summary>Skips the children of the last token (an object or array nobody needs).</summary>
    public void Skip()
    {
        if (TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            ReadValue();
        }
    }

    private void Refill(int keepFrom)
    {
        // Keep the bytes from keepFrom on; both positions that point into the window move with them.
        if (keepFrom > 0)
        {
            var kept = _end - keepFrom;
            Buffer.BlockCopy(_buffer, keepFrom, _buffer, 0, kept);
            _start -= keepFrom;
            _tokenReadStart -= keepFrom;
            _end = kept;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= _maxValueBytes)
            {
                throw new UnreadableInputException($"a single JSON value is larger than {_maxValueBytes / (1024 * 1024)} MB");
            }
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _maxValueBytes));
        }
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _final = true;
        }
        _end += read;
    }
}
