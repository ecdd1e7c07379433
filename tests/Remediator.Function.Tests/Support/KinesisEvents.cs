using System.Text;
using System.Text.Json;
using Remediator.Core.Ingest;
using Remediator.Testing;

namespace Remediator.Function.Tests.Support;

/// <summary>
/// Kinesis events as Lambda's event source mapping delivers them (the shape of the example event in
/// https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html), whose records carry what a CloudWatch Logs
/// destination puts on the stream: the gzip of the subscription's DATA_MESSAGE, the same bytes a direct
/// subscription base64-encodes into <c>awslogs.data</c>.
/// </summary>
public static class KinesisEvents
{
    public const string StreamArn = "arn:aws:kinesis:us-east-1:123456789012:stream/remediator-fan-in";

    /// <summary>A fixture's events as a member account's deployed subscription filter passes them, as a record's data.</summary>
    public static string Data(string fixture, string owner, string group = TestEnvironment.Group) =>
        DataOf(DeployedDelivery.Encode(group, DeployedDelivery.Events(TestEnvironment.Fixture(fixture)), owner: owner));

    /// <summary>The base64 of gzip inside a subscription envelope: what Kinesis carries for it.</summary>
    public static string DataOf(byte[] envelope)
    {
        using var doc = JsonDocument.Parse(envelope);
        return doc.RootElement.GetProperty("awslogs").GetProperty("data").GetString()!;
    }

    /// <summary>The CONTROL_MESSAGE CloudWatch Logs sends when a destination is first used.</summary>
    public static string ControlData() => DataOf(SubscriptionPayload.Wrap(Encoding.UTF8.GetBytes(
        """{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1714568720000,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}""")));

    public static string Sequence(int i) => $"4959033827149025660855969253836157109592157598913658{i:D4}";

    /// <summary>An event with one record per data string, sequence numbers in order.</summary>
    public static byte[] Event(params string[] data)
    {
        var records = data.Select((d, i) => new Dictionary<string, object>
        {
            ["kinesis"] = new Dictionary<string, object>
            {
                ["kinesisSchemaVersion"] = "1.0",
                ["partitionKey"] = "6d1d5c2b7e0f4f6c8f0e0c8a6b1f0e21",
                ["sequenceNumber"] = Sequence(i),
                ["data"] = d,
                ["approximateArrivalTimestamp"] = 1545084650.987,
            },
            ["eventSource"] = "aws:kinesis",
            ["eventVersion"] = "1.0",
            ["eventID"] = $"shardId-000000000006:{Sequence(i)}",
            ["eventName"] = "aws:kinesis:record",
            ["invokeIdentityArn"] = "arn:aws:iam::123456789012:role/remediator-function",
            ["awsRegion"] = "us-east-1",
            ["eventSourceARN"] = StreamArn,
        });
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["Records"] = records.ToList() });
    }

    public static List<string> Failures(JsonElement response) =>
        response.GetProperty("batchItemFailures").EnumerateArray().Select(f => f.GetProperty("itemIdentifier").GetString()!).ToList();
}
