using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.IO.Compression;
using System.Text.Json;

namespace Remediator.Core.Ingest;

/// <summary>
/// A CloudWatch Logs subscription delivery: <c>{"awslogs":{"data":"&lt;base64 of gzip of JSON&gt;"}}</c>. Decodes
/// base64 and gzip straight from the bytes, with no intermediate string, and caps the decompressed size so that a
/// gzip bomb is refused instead of exhausting memory.
/// </summary>
public static class SubscriptionPayload
{
    /// <summary>Default cap on the decompressed DATA_MESSAGE: 16 MB (a delivery is at most 1 MB compressed).</summary>
    public const long DefaultMaxDecompressedBytes = 16L * 1024 * 1024;

    /// <summary>Returns a stream of the decompressed DATA_MESSAGE JSON; throws <see cref="UnreadableInputException"/> for anything else.</summary>
    public static Stream OpenData(ReadOnlySpan<byte> envelope, long maxDecompressedBytes = DefaultMaxDecompressedBytes) =>
        Decompress(Compressed(envelope), maxDecompressedBytes);

    /// <summary>
    /// The events of a delivery, for the function: an event that cannot be read (a message that is not UTF-8, an
    /// unpaired surrogate escape such as <c>\ud800</c>) is reported to <paramref name="skipped"/> and left out, so
    /// that one bad line costs only itself. <see cref="UnreadableInputException"/> only when the delivery itself
    /// cannot be read (envelope, base64, gzip, JSON structure, limits). The members of the message may come in any
    /// order: the events keep their log group and account, and a CONTROL_MESSAGE yields nothing.
    /// </summary>
    public static IEnumerable<LogRecord> ReadEvents(byte[] envelope, LogContext context, ReadLimits limits, Action<string> skipped) =>
        ReadRecords(envelope, context, limits, skipped, readEvents: null);

    /// <summary>
    /// What <see cref="ReadEvents"/> would give, without the strings: whether it yields any record or skips any event
    /// (<c>Events</c>), and the first account id its records carry (<c>Owner</c>); the same
    /// <see cref="UnreadableInputException"/> for a delivery that cannot be read (every event is still read as JSON,
    /// against the limits). Only the events up to the first that settles both are decoded: for a Kinesis record, whose
    /// events the pipeline reads again, the check costs no string per event.
    /// </summary>
    public static (bool Events, string? Owner) Inspect(byte[] envelope, LogContext context, ReadLimits limits)
    {
        var events = false;
        string? owner = null;
        void Skipped(string _) => events = true;
        void Take(LogRecord record)
        {
            events = true;
            owner ??= record.Context.AccountId;
        }
        // Every element is read, but decoded only while the answer is open.
        void ReadEventsArray(JsonTokenStream json, LogContext eventContext, string arrayName)
        {
            foreach (var record in JsonContainers.Elements(json, arrayName, eventContext, Skipped, wanted: () => !events || owner is null))
            {
                Take(record);
            }
        }
        foreach (var record in ReadRecords(envelope, context, limits, Skipped, ReadEventsArray))
        {
            Take(record);
        }
        return (events, owner);
    }

    /// <summary>
    /// As <see cref="ReadEvents"/>, with <paramref name="readEvents"/> reading the message's <c>logEvents</c> (or
    /// <c>events</c>) array itself (<see cref="DeliveryReader"/>): given the stream on the array's start, the events'
    /// context and the array's name. Its errors are reported as those of <see cref="ReadEvents"/>.
    /// </summary>
    internal static IEnumerable<LogRecord> ReadRecords(byte[] envelope, LogContext context, ReadLimits limits, Action<string> skipped,
        Action<JsonTokenStream, LogContext, string>? readEvents)
    {
        var compressed = Compressed(envelope);
        var json = new JsonTokenStream(Decompress(compressed, limits.MaxDecompressedBytes), limits.MaxJsonValueBytes);
        return InputReader.Guard(JsonContainers.ReadObject(json, context, () => ReadHeader(compressed, limits.MaxDecompressedBytes), skipped,
            readEvents), anyInvalidOperation: "the delivery's message cannot be read");
    }

    /// <summary>
    /// The message's <c>messageType</c>, <c>owner</c> and <c>logGroup</c>, read from a second pass over the data: used
    /// only when the events come first. Token by token, so memory stays bounded by the largest single token.
    /// </summary>
    private static JsonContainers.MessageHeader ReadHeader(byte[] compressed, long maxDecompressedBytes)
    {
        string? type = null, owner = null, group = null;
        using var data = Decompress(compressed, maxDecompressedBytes);
        var buffer = new byte[64 * 1024];
        int start = 0, end = 0;
        var final = false;
        var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 });
        var pending = 0; // 1 messageType, 2 owner, 3 logGroup: the member whose value comes next
        try
        {
            while (type is null || owner is null || group is null)
            {
                var reader = new Utf8JsonReader(buffer.AsSpan(start, end - start), final, state);
                while (reader.Read())
                {
                    if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        pending = reader.ValueTextEquals("messageType"u8) ? 1 : reader.ValueTextEquals("owner"u8) ? 2 : reader.ValueTextEquals("logGroup"u8) ? 3 : 0;
                        continue;
                    }
                    if (pending != 0 && reader.TokenType == JsonTokenType.String)
                    {
                        var text = reader.GetString();
                        _ = pending switch { 1 => type ??= text, 2 => owner ??= text, _ => group ??= text };
                    }
                    pending = 0;
                }
                start += (int)reader.BytesConsumed;
                state = reader.CurrentState;
                if (final)
                {
                    break;
                }
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2); // one token larger than the window; bounded by the decompression cap
                }
                var read = data.Read(buffer, end, buffer.Length - end);
                final = read == 0;
                end += read;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or UnreadableInputException)
        {
            // The main pass reports what is wrong with the message; the header is only what could be read.
        }
        return new JsonContainers.MessageHeader(type, owner, group);
    }

    private static Stream Decompress(byte[] compressed, long maxDecompressedBytes)
    {
        // The gzip trailer's last four bytes are the decompressed size (mod 2^32): a cut delivery fails that check
        // with a clear message instead of as a JSON error somewhere in the middle.
        var expectedSize = BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 4));
        return new GuardedStream(new GZipStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress), maxDecompressedBytes, expectedSize);
    }

    /// <summary>The gzip bytes of a delivery, checked to be gzip.</summary>
    private static byte[] Compressed(ReadOnlySpan<byte> envelope)
    {
        byte[] compressed;
        try
        {
            compressed = DecodeBase64(FindData(envelope));
        }
        catch (JsonException e)
        {
            throw new UnreadableInputException($"the subscription envelope is not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e) when (e.InnerException is System.Text.DecoderFallbackException || e.Message.Contains("UTF-8", StringComparison.Ordinal))
        {
            throw new UnreadableInputException("awslogs.data is not valid UTF-8, so not base64 either", e);
        }
        if (compressed.Length < 18 || compressed[0] != 0x1f || compressed[1] != 0x8b)
        {
            throw new UnreadableInputException("awslogs.data is base64 but not gzip; a CloudWatch Logs subscription delivery is base64 of gzip");
        }
        return compressed;
    }

    /// <summary>
    /// Builds a delivery exactly as CloudWatch Logs sends one: a DATA_MESSAGE, gzip, base64, in <c>{"awslogs":{"data":...}}</c>.
    /// For <c>remediator replay</c> events made from exported lines, and for tests.
    /// </summary>
    public static byte[] Encode(string logGroup, IEnumerable<(long Timestamp, string Message)> events, string owner = "123456789012",
        string logStream = "0123456789abcdef0123456789abcdef", string filterName = "remediator")
    {
        var data = new MemoryStream();
        using (var w = new Utf8JsonWriter(data))
        {
            w.WriteStartObject();
            w.WriteString("messageType", "DATA_MESSAGE");
            w.WriteString("owner", owner);
            w.WriteString("logGroup", logGroup);
            w.WriteString("logStream", logStream);
            w.WriteStartArray("subscriptionFilters");
            w.WriteStringValue(filterName);
            w.WriteEndArray();
            w.WriteStartArray("logEvents");
            var i = 0;
            foreach (var (timestamp, message) in events)
            {
                w.WriteStartObject();
                // Event ids are long decimal strings; these are unique within the delivery like real ones.
                w.WriteString("id", $"{timestamp:D20}{i++:D36}");
                w.WriteNumber("timestamp", timestamp);
                w.WriteString("message", message);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Wrap(data.ToArray());
    }

    /// <summary>gzip, base64 and the <c>awslogs</c> envelope around an already serialised message (DATA or CONTROL).</summary>
    public static byte[] Wrap(byte[] message)
    {
        var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(message);
        }
        var envelope = new MemoryStream();
        envelope.Write("{\"awslogs\":{\"data\":\""u8);
        envelope.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(gz.GetBuffer(), 0, (int)gz.Length)));
        envelope.Write("\"}}"u8);
        return envelope.ToArray();
    }

    /// <summary>A gzip stream whose reads fail with a clear error past <paramref name="maxBytes"/> or at corrupt or cut data.</summary>
    public static Stream OpenGzip(Stream compressed, long maxBytes) =>
        new GuardedStream(new GZipStream(compressed, CompressionMode.Decompress), maxBytes);

    private static byte[] FindData(ReadOnlySpan<byte> envelope)
    {
        var reader = new Utf8JsonReader(envelope, new JsonReaderOptions { MaxDepth = 16 });
        var inAwsLogs = false;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            if (reader.CurrentDepth == 1)
            {
                inAwsLogs = reader.ValueTextEquals("awslogs"u8);
                if (!inAwsLogs)
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            else if (reader.CurrentDepth == 2 && inAwsLogs && reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new UnreadableInputException("awslogs.data is not a string");
                }
                if (!reader.ValueIsEscaped)
                {
                    return reader.ValueSpan.ToArray();
                }
                // JSON may escape '/' as "\/": unescape into bytes, still without a string.
                var bytes = new byte[reader.ValueSpan.Length];
                var written = reader.CopyString(bytes);
                return bytes[..written];
            }
        }
        throw new UnreadableInputException("no awslogs.data in the envelope; expected {\"awslogs\":{\"data\":\"<base64 of gzip>\"}}");
    }

    private static byte[] DecodeBase64(byte[] base64)
    {
        var output = new byte[Base64.GetMaxDecodedFromUtf8Length(base64.Length)];
        var status = Base64.DecodeFromUtf8(base64, output, out _, out var written);
        if (status != OperationStatus.Done)
        {
            throw new UnreadableInputException($"awslogs.data is not valid base64 ({status})");
        }
        return output[..written];
    }

    /// <summary>Turns decompression faults and oversize output into <see cref="UnreadableInputException"/>.</summary>
    private sealed class GuardedStream(Stream inner, long maxBytes, uint? expectedSize = null) : Stream
    {
        private long _total;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = inner.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new UnreadableInputException($"the gzip data is corrupt or cut short ({e.Message})", e);
            }
            _total += read;
            if (read == 0 && buffer.Length > 0 && expectedSize is { } size && (uint)_total != size)
            {
                throw new UnreadableInputException($"the gzip data is cut short or corrupt (it decompressed to {_total} bytes; its trailer says {size})");
            }
            if (_total > maxBytes)
            {
                throw new UnreadableInputException($"the decompressed delivery is larger than the {maxBytes / (1024 * 1024)} MB cap (a gzip bomb, or raise the cap)");
            }
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _total; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
