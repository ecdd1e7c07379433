using System.Text;
using System.Text.Json;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Ingest;

/// <summary>Caps that keep hostile or broken input from exhausting memory.</summary>
/// <param name="MaxEnvelopeBytes">Largest subscription envelope read whole (deliveries are at most 1 MB).</param>
/// <param name="MaxDecompressedBytes">Largest decompressed subscription delivery (a gzip bomb is refused past it).</param>
/// <param name="MaxJsonValueBytes">Largest single JSON value (one event, one access-log entry, a test-invoke output).</param>
public sealed record ReadLimits(
    int MaxEnvelopeBytes = 64 * 1024 * 1024,
    long MaxDecompressedBytes = SubscriptionPayload.DefaultMaxDecompressedBytes,
    int MaxJsonValueBytes = 64 * 1024 * 1024);

/// <summary>The shapes <see cref="InputReader"/> tells apart.</summary>
public enum InputShape
{
    Empty, SubscriptionEnvelope, JsonObject, JsonArray, JsonValues, Gzip, Csv, Tsv, Text, Binary,
}

/// <summary>
/// Reads logs in whatever shape CloudWatch or a person produced them: the shape is detected from the first bytes,
/// not declared. Everything streams: memory is bounded by the largest single value, not by the input.
/// </summary>
public static class InputReader
{
    private const int PeekBytes = 64 * 1024;

    public static IEnumerable<LogRecord> Read(Stream stream, LogContext context, ReadLimits? limits = null)
    {
        limits ??= new ReadLimits();
        var (shape, input, _) = Open(stream);
        return shape switch
        {
            InputShape.Empty => [],
            InputShape.Binary => throw new UnreadableInputException("binary data; expected API Gateway logs: text, JSON, CSV/TSV, gzip or a subscription envelope"),
            InputShape.Gzip => Read(SubscriptionPayload.OpenGzip(input, long.MaxValue), context, limits),
            InputShape.SubscriptionEnvelope => ReadEnvelope(input, context, limits),
            InputShape.JsonObject => Guard(JsonContainers.ReadObject(new JsonTokenStream(input, limits.MaxJsonValueBytes), context)),
            InputShape.JsonArray => Guard(JsonContainers.ReadArray(new JsonTokenStream(input, limits.MaxJsonValueBytes), context)),
            InputShape.JsonValues => Guard(JsonContainers.ReadValues(new JsonTokenStream(input, limits.MaxJsonValueBytes, multipleValues: true), context)),
            InputShape.Csv => DelimitedReader.Read(Text(input), ',', context),
            InputShape.Tsv => DelimitedReader.Read(Text(input), '\t', context),
            _ => TextLogReader.Read(Text(input), context),
        };
    }

    /// <summary>
    /// Reads one input of any shape into <paramref name="builder"/>, with the same diagnosis as adding every record
    /// of <see cref="Read"/>: plain-text exports and <c>filter-log-events</c> output (also gzipped) through the
    /// deferring scanners (<see cref="Scan.DeferringFeed"/>), which hold back the lines of requests that no decisive
    /// phrase marks; every other shape record by record. Returns the number of records read.
    /// </summary>
    public static long ReadInto(Stream stream, LogContext context, DiagnosisBuilder builder, ReadLimits? limits = null)
    {
        limits ??= new ReadLimits();
        var (shape, input, utf8) = Open(stream);
        switch (shape)
        {
            case InputShape.Gzip:
                return ReadInto(SubscriptionPayload.OpenGzip(input, long.MaxValue), context, builder, limits);
            case InputShape.Text:
                using (TextReader text = utf8 ? new Utf8TextReader(input) : Text(input))
                {
                    return Scan.TextExportScanner.Read(text, context, builder);
                }
            case InputShape.JsonObject:
                var scanner = new Scan.JsonEventsScanner(builder);
                var others = 0L;
                foreach (var record in Guard(JsonContainers.ReadObject(new JsonTokenStream(input, limits.MaxJsonValueBytes), context, readEvents: (events, eventContext, _) => scanner.ReadEvents(events, eventContext))))
                {
                    builder.Add(record);
                    others++;
                }
                return others + scanner.Records;
            default:
                var records = 0L;
                foreach (var record in Read(input, context, limits))
                {
                    builder.Add(record);
                    records++;
                }
                return records;
        }
    }

    /// <summary>
    /// The input's shape from its first bytes, and the input from its start again, past a UTF-8 byte order mark
    /// (which no JSON reader takes). <c>Utf8</c>: false when it starts with a UTF-16 one, which only a
    /// <see cref="StreamReader"/> detecting it reads as text.
    /// </summary>
    private static (InputShape Shape, Stream Input, bool Utf8) Open(Stream stream)
    {
        var prefix = new byte[PeekBytes];
        var length = ReadAtLeast(stream, prefix);
        var head = prefix.AsSpan(0, length);
        var skip = head.StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
        var utf8 = !head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) && !head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]);
        return (Detect(head, length < PeekBytes), new PrefixedStream(prefix, skip, length, stream), utf8);
    }

    // Bytes, not "\xEF\xBB\xBF"u8: that is the UTF-8 of the three chars U+00EF U+00BB U+00BF (six bytes).
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Which shape the first bytes show. <paramref name="whole"/> is true when the prefix is the whole input.</summary>
    public static InputShape Detect(ReadOnlySpan<byte> head, bool whole)
    {
        if (head.StartsWith(Utf8Bom))
        {
            head = head[Utf8Bom.Length..];
        }
        var start = 0;
        while (start < head.Length && head[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }
        if (start == head.Length)
        {
            return InputShape.Empty;
        }
        if (head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            return InputShape.Gzip;
        }
        if (IsBinary(head))
        {
            return InputShape.Binary;
        }
        var body = head[start..];
        switch (body[0])
        {
            case (byte)'{':
                return DetectObject(body, whole);
            case (byte)'[':
                // "[ERROR] ..." is a text log: only a prefix that reads as JSON is a JSON array.
                return PrefixIsJson(body, whole) ? InputShape.JsonArray : InputShape.Text;
        }
        var firstLine = body[..(body.IndexOf((byte)'\n') is var nl and >= 0 ? nl : body.Length)];
        var line = Encoding.UTF8.GetString(firstLine).Trim();
        if (line.Contains("@message", StringComparison.Ordinal))
        {
            return line.Contains('\t') ? InputShape.Tsv : line.Contains(',') ? InputShape.Csv : InputShape.Text;
        }
        // Insights export without a header: "2024-05-01 12:00:00.000<TAB>message".
        var span = line.AsSpan();
        if (LineNormalizer.TryTimestamp(ref span) is not null && line.Length > 19 && line[19..].TrimStart('.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'Z').StartsWith('\t')
            && !IsFunctionLogLine(span))
        {
            return InputShape.Tsv;
        }
        return InputShape.Text;
    }

    /// <summary>
    /// A Lambda runtime's own line is tab-separated too (<c>time\trequest-id\tERROR\tInvoke Error ...</c>, or
    /// <c>undefined</c> before any request): text, whose lines the function-log reader reads, not an export.
    /// </summary>
    private static bool IsFunctionLogLine(ReadOnlySpan<char> afterTime) =>
        afterTime.StartsWith("undefined\t") || afterTime.Length > 37 && afterTime[8] == '-' && afterTime[13] == '-' && afterTime[36] == '\t';

    private static InputShape DetectObject(ReadOnlySpan<byte> body, bool whole)
    {
        // The first object's top-level keys tell the container; an access log has none of them.
        var reader = new Utf8JsonReader(body, isFinalBlock: whole, new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = 64 }));
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
                {
                    break;
                }
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }
                if (reader.ValueTextEquals("awslogs"u8))
                {
                    return InputShape.SubscriptionEnvelope;
                }
                if (reader.ValueTextEquals("logEvents"u8) || reader.ValueTextEquals("messageType"u8) || reader.ValueTextEquals("events"u8)
                    || reader.ValueTextEquals("results"u8) || reader.ValueTextEquals("log"u8) || reader.ValueTextEquals("logGroup"u8))
                {
                    return InputShape.JsonObject;
                }
                reader.Read();
                if (!reader.TrySkip())
                {
                    break;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON after all (a text line that starts with a brace): let the text reader take it.
            return InputShape.Text;
        }
        // Access-log entries one after another; a text log that happens to start with a JSON object is text.
        return PrefixIsJson(body, whole) ? InputShape.JsonValues : InputShape.Text;
    }

    /// <summary>True when every token of the prefix reads as JSON (the last one may be cut off by the prefix's end).</summary>
    private static bool PrefixIsJson(ReadOnlySpan<byte> body, bool whole)
    {
        var reader = new Utf8JsonReader(body, isFinalBlock: whole, new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = 64 }));
        try
        {
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static IEnumerable<LogRecord> ReadEnvelope(Stream input, LogContext context, ReadLimits limits) =>
        ReadDelivery(ReadCapped(input, limits.MaxEnvelopeBytes, "the subscription envelope"), context, limits);

    /// <summary>The events of a subscription delivery already in memory (the Lambda's event): no second copy.</summary>
    public static IEnumerable<LogRecord> ReadDelivery(byte[] envelope, LogContext context, ReadLimits? limits = null)
    {
        // The same reader as the function's (members in any order), but an event that cannot be read is an error
        // that names it: a person reading a file is told, rather than getting a quieter diagnosis.
        return SubscriptionPayload.ReadEvents(envelope, context, limits ?? new ReadLimits(), reason => throw new UnreadableInputException(reason));
    }

    /// <summary>Bytes already in memory, refused past <paramref name="max"/> bytes as <see cref="ReadCapped"/> refuses a stream.</summary>
    public static byte[] Capped(byte[] bytes, int max, string what) =>
        bytes.Length > max ? throw new UnreadableInputException($"{what} is larger than {max / (1024 * 1024)} MB") : bytes;

    /// <summary>The whole of a stream, refused past <paramref name="max"/> bytes (<paramref name="what"/> names it in the error).</summary>
    public static byte[] ReadCapped(Stream input, int max, string what)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = input.Read(chunk)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw new UnreadableInputException($"{what} is larger than {max / (1024 * 1024)} MB");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// JSON errors surface as <see cref="UnreadableInputException"/> with the position, whatever shape they come from.
    /// <paramref name="anyInvalidOperation"/>: any other <see cref="InvalidOperationException"/> too (a member of a
    /// delivery's message that is not text), described with this prefix; otherwise only invalid UTF-8 is translated.
    /// </summary>
    internal static IEnumerable<LogRecord> Guard(IEnumerable<LogRecord> records, string? anyInvalidOperation = null)
    {
        using var e = records.GetEnumerator();
        while (true)
        {
            try
            {
                if (!e.MoveNext())
                {
                    yield break;
                }
            }
            catch (JsonException ex)
            {
                throw new UnreadableInputException($"invalid or truncated JSON ({ex.Message})", ex);
            }
            catch (InvalidOperationException ex) when (anyInvalidOperation is not null || ex.InnerException is DecoderFallbackException)
            {
                throw new UnreadableInputException(anyInvalidOperation is null ? "a JSON string is not valid UTF-8" : $"{anyInvalidOperation} ({ex.Message})", ex);
            }
            yield return e.Current;
        }
    }

    private static StreamReader Text(Stream input) => new(input, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, 64 * 1024);

    private static bool IsBinary(ReadOnlySpan<byte> head)
    {
        // Printable ASCII throughout (a delivery's envelope, read whole): no control byte and nothing invalid, at
        // vector speed rather than a loop and a decoded copy of the input.
        if (!head.ContainsAnyInRange((byte)0, (byte)0x1f) && System.Text.Ascii.IsValid(head))
        {
            return false;
        }
        var control = 0;
        foreach (var b in head)
        {
            if (b == 0)
            {
                return true;
            }
            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r' and not 0x1b and not 0x0c)
            {
                control++;
            }
        }
        if (control * 20 > head.Length)
        {
            return true;
        }
        // Mostly invalid UTF-8 is not a log either (a few bad bytes are: logs carry whatever functions print).
        var invalid = Encoding.UTF8.GetString(head).AsSpan().Count('\uFFFD');
        return invalid * 50 > head.Length;
    }

    private static int ReadAtLeast(Stream stream, byte[] buffer)
    {
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }
        return total;
    }

    /// <summary>Replays the peeked prefix, then the rest of the stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, int start, int length, Stream rest) : Stream
    {
        private int _position = start;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position < length)
            {
                var n = Math.Min(buffer.Length, length - _position);
                prefix.AsSpan(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }
            return rest.Read(buffer);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
