using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Remediator.Core.Ingest;
using Remediator.Function.Observability;

namespace Remediator.Function.Pipeline;

/// <summary>
/// A Kinesis batch from the organization's fan-in (CloudWatch Logs destination → Kinesis data stream → event source
/// mapping). Each record's <c>kinesis.data</c> is, once base64-decoded, the gzip of a DATA_MESSAGE or CONTROL_MESSAGE
/// exactly as a direct subscription delivers it, so it runs through the same decoder and pipeline. Records are
/// grouped by the account that owns their log group, and each group is diagnosed and notified as one delivery.
/// <para>
/// With ReportBatchItemFailures the answer names the records to retry: a record that cannot be decoded, and every
/// record of a group whose messages could not all be published. Lambda retries from the lowest of them, at most the
/// mapping's retry attempts and record age, bisecting the batch, then hands the range to the on-failure destination,
/// so a bad record never holds the shard. A CONTROL_MESSAGE (CloudWatch Logs checking the destination) is acknowledged.
/// </para>
/// </summary>
public static class KinesisBatch
{
    public const string EventSource = "aws:kinesis";

    /// <summary>The batch when <paramref name="payload"/> is a Kinesis event (a <c>Records</c> array of <c>aws:kinesis</c>
    /// records with <c>kinesis.data</c>); null for anything else, which then goes the subscription path.</summary>
    public static KinesisEvent? TryRead(byte[] payload)
    {
        if (!HasRecords(payload))
        {
            return null;
        }
        try
        {
            var batch = JsonSerializer.Deserialize(payload, KinesisJson.Default.KinesisEvent);
            return batch?.Records is { Count: > 0 } records && records.All(r => r.EventSource == EventSource || r.Kinesis?.Data is not null) ? batch : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Cheap sniff before deserializing: a top-level <c>Records</c> member that holds an array.</summary>
    private static bool HasRecords(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var records = reader.ValueTextEquals("Records"u8);
                if (!reader.Read())
                {
                    return false;
                }
                if (records)
                {
                    return reader.TokenType == JsonTokenType.StartArray;
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        return false;
    }

    public static async Task<KinesisBatchOutcome> ProcessAsync(DeliveryPipeline pipeline, KinesisEvent batch, DateTimeOffset? invocationDeadline, CancellationToken ct = default)
    {
        var log = pipeline.Log;
        var time = pipeline.Time;
        // One budget for the whole batch: the groups run one after another inside the same invocation.
        var deadline = time.GetUtcNow() + pipeline.Options.TimeBudget;
        if (invocationDeadline is { } hard && hard < deadline)
        {
            deadline = hard;
        }
        var failed = new List<string>();
        var control = 0;
        var groups = new List<(string? Owner, List<string> Sequences, List<byte[]> Envelopes)>();
        foreach (var record in batch.Records!)
        {
            var sequence = record.Kinesis?.SequenceNumber;
            if (string.IsNullOrEmpty(sequence))
            {
                // Lambda can only retry what it can name: without a sequence number the whole batch must fail.
                throw new UndecodableDeliveryException($"a Kinesis record without kinesis.sequenceNumber (eventID {record.EventId ?? "none"}): the batch cannot be acknowledged record by record");
            }
            var (envelope, owner, events, problem) = Inspect(record.Kinesis!.Data, pipeline.Options.ReadLimits);
            if (problem is not null)
            {
                failed.Add(sequence);
                log.Write(LogLevel.Error, "undecodable kinesis record", ("sequenceNumber", sequence), ("eventID", record.EventId), ("reason", problem));
                continue;
            }
            if (!events)
            {
                control++; // a CONTROL_MESSAGE, or a DATA_MESSAGE with no event: nothing to diagnose
                continue;
            }
            var group = groups.FindIndex(g => g.Owner == owner);
            if (group < 0)
            {
                groups.Add((owner, [], []));
                group = groups.Count - 1;
            }
            groups[group].Sequences.Add(sequence);
            groups[group].Envelopes.Add(envelope!);
        }

        var outcomes = new List<DeliveryOutcome>();
        foreach (var (owner, sequences, envelopes) in groups)
        {
            try
            {
                outcomes.Add(await pipeline.ProcessAsync(envelopes, owner, deadline, ct).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Only this account's records are retried: the other groups' messages went out and stay acknowledged.
                failed.AddRange(sequences);
                log.Write(LogLevel.Error, "kinesis group failed", ("ownerAccount", owner), ("records", sequences.Count), ("error", e.GetType().Name),
                    ("detail", Core.Notify.Scrubber.Clean(e.Message, 500)));
            }
        }
        var outcome = new KinesisBatchOutcome(batch.Records!.Count, control, groups.Count, failed, outcomes);
        log.Write(failed.Count > 0 ? LogLevel.Warn : LogLevel.Info, "kinesis batch", ("records", outcome.Records), ("control", control), ("groups", groups.Count),
            ("failedRecords", failed.Count), ("published", outcomes.Sum(o => o.Published.Count)));
        return outcome;
    }

    private static readonly SearchValues<char> Base64Chars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");

    /// <summary>
    /// Checks one record completely (base64, gzip, JSON, limits) without keeping its events or making a string of
    /// each (<see cref="SubscriptionPayload.Inspect"/>): the envelope the pipeline reads again, the owner account,
    /// whether it holds any event, or why it cannot be read. Reading twice keeps memory at one record's events rather
    /// than a whole batch's.
    /// </summary>
    private static (byte[]? Envelope, string? Owner, bool Events, string? Problem) Inspect(string? data, ReadLimits limits)
    {
        if (string.IsNullOrEmpty(data))
        {
            return (null, null, false, "kinesis.data is empty");
        }
        // Base64 has no character that needs escaping in JSON; anything else is not base64 and must not be spliced in.
        if (data.AsSpan().ContainsAnyExcept(Base64Chars))
        {
            return (null, null, false, "kinesis.data is not base64");
        }
        var envelope = Envelope(data);
        try
        {
            var (events, owner) = SubscriptionPayload.Inspect(envelope, LogContext.For("kinesis record"), limits);
            return (envelope, owner, events, null);
        }
        catch (UnreadableInputException e)
        {
            return (null, null, false, e.Message);
        }
    }

    /// <summary><c>{"awslogs":{"data":"DATA"}}</c> in bytes, written once (no joined string of the record's data first).</summary>
    private static byte[] Envelope(string base64)
    {
        ReadOnlySpan<byte> head = "{\"awslogs\":{\"data\":\""u8, tail = "\"}}"u8;
        var envelope = new byte[head.Length + base64.Length + tail.Length];
        head.CopyTo(envelope);
        Encoding.ASCII.GetBytes(base64, envelope.AsSpan(head.Length));
        tail.CopyTo(envelope.AsSpan(head.Length + base64.Length));
        return envelope;
    }
}

/// <summary>What a Kinesis batch produced; Lambda reads only <c>batchItemFailures</c>.</summary>
public sealed record KinesisBatchOutcome(int Records, int Control, int Groups, IReadOnlyList<string> FailedSequenceNumbers, IReadOnlyList<DeliveryOutcome> Outcomes)
{
    /// <summary><c>{"batchItemFailures":[{"itemIdentifier":"&lt;sequenceNumber&gt;"}]}</c>: the partial batch response (ReportBatchItemFailures).</summary>
    public Stream ToJsonStream()
    {
        var response = new KinesisBatchResponse { BatchItemFailures = FailedSequenceNumbers.Select(s => new KinesisBatchItemFailure { ItemIdentifier = s }).ToList() };
        return new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(response, KinesisJson.Default.KinesisBatchResponse), writable: false);
    }
}

/// <summary>The Kinesis event Lambda's event source mapping sends (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html).</summary>
public sealed class KinesisEvent
{
    [JsonPropertyName("Records")]
    public List<KinesisEventRecord>? Records { get; init; }
}

public sealed class KinesisEventRecord
{
    [JsonPropertyName("eventSource")]
    public string? EventSource { get; init; }

    [JsonPropertyName("eventID")]
    public string? EventId { get; init; }

    [JsonPropertyName("eventSourceARN")]
    public string? EventSourceArn { get; init; }

    [JsonPropertyName("kinesis")]
    public KinesisRecordData? Kinesis { get; init; }
}

public sealed class KinesisRecordData
{
    [JsonPropertyName("sequenceNumber")]
    public string? SequenceNumber { get; init; }

    [JsonPropertyName("partitionKey")]
    public string? PartitionKey { get; init; }

    /// <summary>Base64 of the record's bytes: for a logs destination, the gzip of the subscription's message.</summary>
    [JsonPropertyName("data")]
    public string? Data { get; init; }
}

public sealed class KinesisBatchResponse
{
    [JsonPropertyName("batchItemFailures")]
    public List<KinesisBatchItemFailure> BatchItemFailures { get; init; } = [];
}

public sealed class KinesisBatchItemFailure
{
    [JsonPropertyName("itemIdentifier")]
    public string ItemIdentifier { get; init; } = "";
}

/// <summary>Source-generated (de)serialization: no reflection, so the Native AOT bootstrap reads Kinesis events too.</summary>
[JsonSerializable(typeof(KinesisEvent))]
[JsonSerializable(typeof(KinesisBatchResponse))]
internal sealed partial class KinesisJson : JsonSerializerContext;
