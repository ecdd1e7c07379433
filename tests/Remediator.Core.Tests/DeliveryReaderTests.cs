using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Report;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>
/// The function's reader (<see cref="DeliveryReader"/>, through the deferring scanner) gives exactly what reading every
/// record of <see cref="SubscriptionPayload.ReadEvents"/> and adding those the filter keeps gives: the same diagnosis,
/// the same number of records, the same skipped events, the same error; in an execution-log group, in another group
/// (where the filter decides record by record) and in a message that names none.
/// </summary>
public class DeliveryReaderTests
{
    private const string Execution = "API-Gateway-Execution-Logs_a1b2c3d4e5/prod";

    // As the function's filter: execution-log lines only from execution-log groups, access-log entries from any.
    private static bool Keep(LogRecord r) =>
        r.Access is not null || r.Context.LogGroup is null || r.Context.IsExecutionLogGroup || r.Text.AsSpan().TrimStart().StartsWith("{");

    public static TheoryData<string, string> EveryFixtureInEachGroup
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var file in Directory.GetFiles(Path.Combine(Fixtures.Root, "causes")).Order(StringComparer.Ordinal))
            {
                foreach (var group in new[] { Execution, "/aws/lambda/orders" })
                {
                    data.Add(Path.GetRelativePath(Fixtures.Root, file), group);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(EveryFixtureInEachGroup))]
    public void Read_EveryFixtureInAGroup_SameAsRecordByRecord(string fixture, string group)
    {
        var envelope = Fixtures.Envelope(group, File.ReadAllLines(Fixtures.PathOf(fixture)).Where(l => l.Length > 0));

        Deferred([envelope]).ShouldBe(RecordByRecord([envelope]));
    }

    [Fact]
    public void Read_ManyRequestsOverSeveralDeliveries_SameAsRecordByRecord()
    {
        // Enough requests that the completion window closes some mid-delivery, split over deliveries of one group
        // (a Kinesis group) and one of another group between them.
        var lines = DeferringScanTests.Export(400_000, "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var third = lines.Length / 3;
        byte[][] envelopes =
        [
            Fixtures.Envelope(Execution, lines[..third]),
            Fixtures.Envelope("/aws/lambda/orders", lines[third..(2 * third)]),
            Fixtures.Envelope(Execution, lines[(2 * third)..]),
        ];

        Deferred(envelopes).ShouldBe(RecordByRecord(envelopes));
    }

    [Theory]
    [MemberData(nameof(DeliveryDecoderTests.BadMessages), MemberType = typeof(DeliveryDecoderTests))]
    public void Read_UnreadableEventsAmongPlainOnes_SkippedAsRecordByRecord(string what, byte[] bad)
    {
        var lines = File.ReadAllLines(Fixtures.PathOf("causes/throttled__execution.log")).Where(l => l.StartsWith('(')).ToList();
        var raw = lines.Select(l => Encoding.UTF8.GetBytes(l.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal))).ToList();
        raw.Insert(2, bad);
        raw.Add(bad);
        var envelope = SubscriptionPayload.Wrap(DataMessage(raw, "events"));

        var deferred = Deferred([envelope]);

        deferred.ShouldBe(RecordByRecord([envelope]), what);
        deferred.ShouldContain("event 2 of events");
    }

    [Fact]
    public void Read_MessageWithoutAGroup_SameAsRecordByRecord()
    {
        var lines = File.ReadAllLines(Fixtures.PathOf("causes/throttled__execution.log")).Where(l => l.Length > 0);
        var envelope = SubscriptionPayload.Wrap(DataMessage(lines.Select(l => Encoding.UTF8.GetBytes(System.Text.Json.JsonEncodedText.Encode(l).ToString())), "logEvents", group: null));

        Deferred([envelope]).ShouldBe(RecordByRecord([envelope]));
    }

    [Fact]
    public void Read_TruncatedDelivery_SameErrorAndRecordsReadSoFar()
    {
        var message = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(DataMessage(
            File.ReadAllLines(Fixtures.PathOf("causes/throttled__execution.log")).Where(l => l.StartsWith('(')).Select(Encoding.UTF8.GetBytes), "logEvents"))[..^40]);
        var envelope = SubscriptionPayload.Wrap(message);

        Deferred([envelope]).ShouldBe(RecordByRecord([envelope]));
    }

    private static byte[] DataMessage(IEnumerable<byte[]> rawMessages, string arrayName, string? group = Execution)
    {
        var json = new MemoryStream();
        json.Write(Encoding.UTF8.GetBytes("{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\","
            + (group is null ? "" : $"\"logGroup\":\"{group}\",") + $"\"logStream\":\"s\",\"{arrayName}\":["));
        var i = 0;
        foreach (var raw in rawMessages)
        {
            json.Write(Encoding.UTF8.GetBytes($"{(i > 0 ? "," : "")}{{\"id\":\"{i}\",\"timestamp\":{1_714_568_720_000L + i},\"message\":\""));
            json.Write(raw);
            json.Write("\"}"u8);
            i++;
        }
        json.Write("]}"u8);
        return json.ToArray();
    }

    private static string RecordByRecord(byte[][] envelopes)
    {
        var builder = new DiagnosisBuilder();
        var skipped = new List<string>();
        var records = 0L;
        try
        {
            foreach (var envelope in envelopes)
            {
                foreach (var record in SubscriptionPayload.ReadEvents(envelope, LogContext.For("delivery"), new ReadLimits(), skipped.Add))
                {
                    records++;
                    if (Keep(record))
                    {
                        builder.Add(record);
                    }
                }
            }
        }
        catch (UnreadableInputException e)
        {
            return $"unreadable after {records} records: {e.Message}";
        }
        return Signature(builder.Build(), records, skipped);
    }

    private static string Deferred(byte[][] envelopes)
    {
        var builder = new DiagnosisBuilder();
        var skipped = new List<string>();
        var reader = new DeliveryReader(builder, Keep);
        try
        {
            foreach (var envelope in envelopes)
            {
                reader.Read(envelope, LogContext.For("delivery"), new ReadLimits(), skipped.Add);
            }
        }
        catch (UnreadableInputException e)
        {
            return $"unreadable after {reader.Records} records: {e.Message}";
        }
        return Signature(builder.Build(), reader.Records, skipped);
    }

    private static string Signature(DiagnosisResult result, long records, List<string> skipped) =>
        $"records: {records}\nskipped: {string.Join("; ", skipped)}\n" + JsonReport.ToJson(result, indented: false) + "\nwarnings: " + string.Join("\n", result.Warnings);
}
