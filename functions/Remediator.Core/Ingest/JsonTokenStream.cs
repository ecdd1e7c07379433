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
