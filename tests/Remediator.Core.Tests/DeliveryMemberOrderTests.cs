using System.IO.Compression;
using System.Text;
using Remediator.Core.Ingest;

namespace Remediator.Core.Tests;

/// <summary>A delivery file read by the CLI: the message's members in any order, as the function reads them.</summary>
public class DeliveryMemberOrderTests
{
    private static byte[] Envelope(string message)
    {
        using var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest))
        {
            z.Write(Encoding.UTF8.GetBytes(message));
        }
        return Encoding.UTF8.GetBytes("{\"awslogs\":{\"data\":\"" + Convert.ToBase64String(gz.ToArray()) + "\"}}");
    }

    [Fact]
    public void ReadDelivery_LogEventsBeforeTheGroupAndOwner_EventsKeepTheirGroupAndAccount()
    {
        var envelope = Envelope("""{"logEvents":[{"id":"1","timestamp":1714568720000,"message":"(r1) Method completed with status: 500"}],"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"API-Gateway-Execution-Logs_a1b2c3d4e5/prod","logStream":"s","subscriptionFilters":["remediator"]}""");

        var record = InputReader.ReadDelivery(envelope, LogContext.For("file")).ToList().ShouldHaveSingleItem(); // a stream: read once

        record.Context.LogGroup.ShouldBe("API-Gateway-Execution-Logs_a1b2c3d4e5/prod");
        record.Context.AccountId.ShouldBe("123456789012");
    }

    [Fact]
    public void ReadDelivery_ControlMessageWithEventsFirst_YieldsNothing()
    {
        var envelope = Envelope("""{"logEvents":[{"id":"1","timestamp":1714568720000,"message":"CWL CONTROL MESSAGE: Checking health of destination Lambda."}],"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[]}""");

        InputReader.ReadDelivery(envelope, LogContext.For("file")).ToList().ShouldBeEmpty();
    }
}
