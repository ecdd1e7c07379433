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
internal sealed class JsonEventsScanner(DiagnosisBuilder builder)
{
    private byte[] _bytes = new byte[4096];
    private char[] _chars = new char[4096];
    private DeferringFeed? _feed;
    private LogContext? _feedContext;

    public long Records { get; private set; }

    /// <summary>Reads the array the stream is positioned on (its start token just read) into the builder.</summary>
    public void ReadEvents(JsonTokenStream json, LogContext context)
    {
        if (_feed is null || _feedContext != context)
        {
            _feed = new DeferringFeed(builder, context);
            _feedContext = context;
        }
        var depth = json.Depth;
        var index = 0;
        while (json.Read() && json.Depth > depth)
        {
            if (json.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            {
                continue;
            }
            var value = json.ReadValue();
            if (json.TokenType == JsonTokenType.EndObject && TryPlainEvent(value.Span, out var message, out var timestampMs))
            {
                var close = TextExportScanner.Id(message);
                if (close is { } c)
                {
                    var kind = PhraseTriage.NextCandidate(message) < 0 ? LineKind.Deferrable : PhraseTriage.Classify(message);
                    var before = _feed.Records;
                    _feed.Line(message, message[1..c], timestampMs, kind);
                    Records += _feed.Records - before;
                    index++;
                    continue;
                }
            }
            foreach (var record in JsonContainers.ElementRecords(value, "events", index++, context, skipped: null) ?? [])
            {
                builder.Add(record);
                Records++;
            }
        }
    }

    /// <summary>
    /// True for an event whose members are exactly the CLI's (each at most once, <c>timestamp</c> an integer in the
    /// range of dates, <c>message</c> a string of valid UTF-8): <paramref name="message"/> is its text, decoded.
    /// </summary>
    private bool TryPlainEvent(ReadOnlySpan<byte> value, out ReadOnlySpan<char> message, out long? timestampMs)
    {
        message = default;
        timestampMs = null;
        var reader = new Utf8JsonReader(value);
        reader.Read();
        var seen = 0;
        var messageLength = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var member = reader.ValueTextEquals("message"u8) ? 1 : reader.ValueTextEquals("timestamp"u8) ? 2
                : reader.ValueTextEquals("logStreamName"u8) ? 4 : reader.ValueTextEquals("ingestionTime"u8) ? 8
                : reader.ValueTextEquals("eventId"u8) ? 16 : reader.ValueTextEquals("id"u8) ? 32 : 0;
            if (member == 0 || (seen & member) != 0 || !reader.Read())
            {
                return false;
            }
            seen |= member;
            switch (member)
            {
                case 1:
                    if (reader.TokenType != JsonTokenType.String || (messageLength = Decode(ref reader)) < 0)
                    {
                        return false;
                    }
                    break;
                case 2:
                    // DateTimeOffset's range: outside it the reference reader refuses the event.
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var ms) || ms is < -62_135_596_800_000 or > 253_402_300_799_999)
                    {
                        return false;
                    }
                    timestampMs = ms;
                    break;
                default:
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        return false;
                    }
                    break;
            }
        }
        if (messageLength < 0)
        {
            return false;
        }
        message = _chars.AsSpan(0, messageLength);
        return true;
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
        if (!Ascii.IsValid(utf8) && !Utf8.IsValid(utf8))
        {
            return -1;
        }
        if (_chars.Length < utf8.Length)
        {
            _chars = new char[utf8.Length * 2];
        }
        return Encoding.UTF8.GetChars(utf8, _chars);
    }
}
