using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;

namespace Remediator.Core.Scan;

/// <summary>
/// Reads the <c>events</c> array of <c>aws logs filter-log-events</c> output (and a delivery's <c>logEvents</c>)
/// event by event through <see cref="DeferringFeed"/>: an event <c>{logStreamName, timestamp, message, ingestionTime,
/// eventId}</c> whose message is a plain <c>(id) text</c> line is read from its bytes with no string made; any other
/// event goes through <see cref="JsonContainers.ElementRecords"/>, whose results are the reference.
/// </summary>
internal sealed class JsonEventsScanner
{
    private readonly DiagnosisBuilder _builder;
    private byte[] _bytes = new byte[4096];
    private char[] _chars = new char[4096];
    private DeferringFeed? _feed;
    private LogContext? _feedContext;
    private readonly JsonTokenStream.ValueReader _readPlain;
    private readonly JsonTokenStream.RawElementReader _readFlat;
    private readonly FlatEventParser _flat = new();
    private readonly LineKindCache _kinds = new();
    // What ReadPlainEvent read of the last event: the chars of its message (-1: not a plain event) and its time.
    private int _messageLength;
    private long? _timestampMs;

    public JsonEventsScanner(DiagnosisBuilder builder)
    {
        _builder = builder;
        _readPlain = ReadPlainEvent;
        _readFlat = ReadFlat;
    }

    public long Records { get; private set; }

    /// <summary>Reads the array the stream is positioned on (its start token just read) into the builder.</summary>
    public void ReadEvents(JsonTokenStream json, LogContext context) => ReadEvents(json, context, "events", skipped: null, keep: null);

    /// <summary>
    /// As <see cref="ReadEvents(JsonTokenStream, LogContext)"/>, for an array named <paramref name="arrayName"/> (a
    /// delivery's <c>logEvents</c>): an event that cannot be read is told to <paramref name="skipped"/> and left out,
    /// as <see cref="JsonContainers.ElementRecords"/> does (without it such an event fails the read); a record of the
    /// reference path that <paramref name="keep"/> refuses is counted but not added (a plain event, whose context is
    /// <paramref name="context"/>, is always added: the caller filters by context).
    /// </summary>
    public void ReadEvents(JsonTokenStream json, LogContext context, string arrayName, Action<string>? skipped, Func<LogRecord, bool>? keep)
    {
        if (_feed is null || _feedContext != context)
        {
            _feed = new DeferringFeed(_builder, context);
            _feedContext = context;
            _lastIdLength = 0;
        }
        var depth = json.Depth;
        var index = 0;
        while (json.Read() && json.Depth > depth)
        {
            if (json.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            {
                continue;
            }
            // One tokenisation per event: the plain reader reads its members on the way to its end.
            if (!json.TryReadValue(_readPlain, out var value))
            {
                value = json.ReadValue();
            }
            else if (_messageLength >= 0 && Feed(_chars.AsSpan(0, _messageLength)))
            {
                index++;
                ReadFlatEvents(json, ref index);
                continue;
            }
            foreach (var record in JsonContainers.ElementRecords(value, arrayName, index++, context, skipped) ?? [])
            {
                if (keep is null || keep(record))
                {
                    _builder.Add(record);
                }
                Records++;
            }
            if (json.TokenType == JsonTokenType.EndObject)
            {
                ReadFlatEvents(json, ref index);
            }
        }
    }

    // After an event object, the ones that follow it are read from their bytes while they are plain; the first that
    // is not goes back to the tokeniser, as does the end of the array. Those read wait in the block until it is full
    // or the reading stops (by an error too: the builder then holds what it held before the error, as when each
    // event was fed at once).
    private void ReadFlatEvents(JsonTokenStream json, ref int index)
    {
        try
        {
            while (json.TryReadNextElement(_readFlat))
            {
                index += _eventsRead;
            }
        }
        finally
        {
            FeedBlock();
        }
    }

    // Parses the events that follow while they are plain through and through, their messages decoded into the block:
    // Done for one or more (as many as _eventsRead, up to the first that is not), else what the parser made of the
    // first (a run of events costs one call from the stream, not one each).
    private FlatEventRead ReadFlat(ReadOnlyMemory<byte> window, bool final, out int consumed, out int newlines, out int lastNewline)
    {
        consumed = 0;
        newlines = 0;
        lastNewline = -1;
        var events = 0;
        var bytes = window.Span;
        while (true)
        {
            if (_blockLength >= BlockChars || _waiting == _lines.Length)
            {
                FeedBlock();
            }
            // Nearly every event of an export is its template's but for its values: read without the other paths'
            // set-up (no Memory slice per event), which an event it misses then goes through.
            var result = _flat.TryParseRepeat(bytes[consumed..], _block, _blockLength, out var used, out var length, out var noBackslash)
                ? FlatEventRead.Done
                : _flat.ParseIntoOtherwise(window[consumed..], final, ref _block, _blockLength, out used, out length, out noBackslash);
            var close = -1;
            var same = false;
            if (result == FlatEventRead.Done && length >= 0)
            {
                // Most events are another line of the request before: its "(id)" then needs no second check, and the
                // feed no second comparison. A message with no backslash holds no "\n" escape (nor an escape char: the
                // parser declines raw control chars and \u).
                close = TextExportScanner.IdClose(_block.AsSpan(_blockLength, length), mayBeUnusual: !noBackslash, _lastId.AsSpan(0, _lastIdLength), out same);
            }
            if (close < 0)
            {
                // This event is read again by the next call, alone, which then declines it or reads more.
                _eventsRead = events;
                return events > 0 ? FlatEventRead.Done : result == FlatEventRead.Done ? FlatEventRead.Declined : result;
            }
            if (!same)
            {
                _block.AsSpan(_blockLength, close + 1).CopyTo(_lastId);
                _lastIdLength = close + 1;
            }
            _lines[_waiting++] = new WaitingLine(_blockLength, length, close, _flat.TimestampMs, same);
            _blockLength += length;
            if (newlines >= 0)
            {
                // Counted by the parser for each event, or by the stream for the whole run when one was not.
                if (_flat.Newlines < 0)
                {
                    newlines = -1;
                }
                else if (_flat.Newlines > 0)
                {
                    newlines += _flat.Newlines;
                    lastNewline = consumed + _flat.LastNewline;
                }
            }
            consumed += used;
            events++;
        }
    }

    // Events read by the last ReadFlat that returned Done.
    private int _eventsRead;

    // The plain events read since the block was last fed, in order: each message is the block's chars from Start on;
    // Same when its id is that of the line fed before it.
    private readonly record struct WaitingLine(int Start, int Length, int Close, long? TimestampMs, bool Same);

    // "(id)" of the last line given to the feed, when ReadFlat gave it (empty when Feed did, or a block was not fed through).
    private readonly char[] _lastId = new char[72];
    private int _lastIdLength;

    // Messages of plain events, one after another (a block of some hundred events): the trigger search runs over the
    // block, not over each event, and then only where it hit (most events have no trigger and cost no search of their own).
    private const int BlockChars = 32 * 1024;
    private char[] _block = new char[BlockChars + 1024];
    private int _blockLength;
    private readonly WaitingLine[] _lines = new WaitingLine[1024];
    private int _waiting;

    // Feeds the waiting lines, as Feed would each: emptied first, so that an error while feeding never feeds one twice.
    private void FeedBlock()
    {
        var waiting = _waiting;
        var length = _blockLength;
        _waiting = 0;
        _blockLength = 0;
        var candidate = -1; // where the next trigger is, at or after the line; length when none
        var fed = 0;
        try
        {
            for (; fed < waiting; fed++)
            {
                ref readonly var waitingLine = ref _lines[fed];
                var close = waitingLine.Close;
                var kind = _kinds.KindAt(_block.AsSpan(0, length), waitingLine.Start, waitingLine.Length, close, ref candidate);
                var line = _block.AsSpan(waitingLine.Start, waitingLine.Length);
                var before = _feed!.Records;
                _feed.Line(line, line[1..close], waitingLine.TimestampMs, kind, waitingLine.Same);
                Records += _feed.Records - before;
            }
        }
        finally
        {
            if (fed < waiting)
            {
                _lastIdLength = 0; // the last line waiting was not fed: the next is compared
            }
        }
    }

    // A plain (id) text message goes through the feed; false (nothing done) for any other.
    private bool Feed(ReadOnlySpan<char> message)
    {
        if (TextExportScanner.Id(message) is not { } c)
        {
            return false;
        }
        // The message is its own block: the exact search runs only where the trigger search hit.
        var candidate = -1;
        var kind = _kinds.KindAt(message, 0, message.Length, c, ref candidate);
        _lastIdLength = 0;
        var before = _feed!.Records;
        _feed.Line(message, message[1..c], _timestampMs, kind);
        Records += _feed.Records - before;
        return true;
    }

    /// <summary>
    /// Reads an event whose members are exactly the CLI's (each at most once, <c>timestamp</c> an integer in the range
    /// of dates, <c>message</c> a string of valid UTF-8) to its end: its text, decoded, is the first
    /// <see cref="_messageLength"/> chars; any other event is declined (or, once read, has a length of -1).
    /// </summary>
    private JsonTokenStream.ValueRead ReadPlainEvent(ref Utf8JsonReader reader)
    {
        _messageLength = -1;
        _timestampMs = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return JsonTokenStream.ValueRead.Declined;
        }
        var seen = 0;
        var messageLength = -1;
        while (true)
        {
            if (!reader.Read())
            {
                return JsonTokenStream.ValueRead.NeedMore;
            }
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                // The end of the event: its members were all scalars, so this is its closing brace.
                _messageLength = messageLength;
                return JsonTokenStream.ValueRead.Done;
            }
            var member = reader.ValueTextEquals("message"u8) ? 1 : reader.ValueTextEquals("timestamp"u8) ? 2
                : reader.ValueTextEquals("logStreamName"u8) ? 4 : reader.ValueTextEquals("ingestionTime"u8) ? 8
                : reader.ValueTextEquals("eventId"u8) ? 16 : reader.ValueTextEquals("id"u8) ? 32 : 0;
            if (member == 0 || (seen & member) != 0)
            {
                return JsonTokenStream.ValueRead.Declined;
            }
            if (!reader.Read())
            {
                return JsonTokenStream.ValueRead.NeedMore;
            }
            seen |= member;
            switch (member)
            {
                case 1:
                    if (reader.TokenType != JsonTokenType.String || (messageLength = Decode(ref reader)) < 0)
                    {
                        return JsonTokenStream.ValueRead.Declined;
                    }
                    break;
                case 2:
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var ms) || !FlatValueReaders.IsEventTime(ms))
                    {
                        return JsonTokenStream.ValueRead.Declined;
                    }
                    _timestampMs = ms;
                    break;
                default:
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        return JsonTokenStream.ValueRead.Declined;
                    }
                    break;
            }
        }
    }

    /// <summary>The string token, unescaped and decoded into the char buffer; -1 when it is not valid UTF-8 or holds a lone surrogate.</summary>
    private int Decode(ref Utf8JsonReader reader)
    {
        ReadOnlySpan<byte> utf8;
        if (reader.ValueIsEscaped)
        {
            if (_bytes.Length < reader.ValueSpan.Length)
            {
                _bytes = new byte[reader.ValueSpan.Length * 2];
            }
            try
            {
                utf8 = _bytes.AsSpan(0, reader.CopyString(_bytes));
            }
            catch (InvalidOperationException)
            {
                return -1;
            }
        }
        else
        {
            utf8 = reader.ValueSpan;
        }
        return Transcode(utf8);
    }

    private int Transcode(ReadOnlySpan<byte> utf8)
    {
        if (_chars.Length < utf8.Length)
        {
            _chars = new char[utf8.Length * 2];
        }
        // Validates and transcodes in one pass (ASCII at vector speed); an invalid sequence refuses the event.
        return Utf8.ToUtf16(utf8, _chars, out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done ? written : -1;
    }
}
