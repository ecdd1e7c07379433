using System.IO.Compression;
using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>Bad input gets one clear error naming what was expected, and loses nothing that was read before it.</summary>
public class BadInputTests
{
    [Theory]
    [InlineData("garbage/binary.bin", "binary data")]
    [InlineData("garbage/invalid-base64.json", "not valid base64")]
    [InlineData("garbage/not-gzip.json", "not gzip")]
    [InlineData("garbage/truncated-gzip.json", "cut short")]
    [InlineData("garbage/other-json.json", "JSON of another kind")]
    public void Diagnose_GarbageFile_ThrowsUnreadableWithReason(string fixture, string reason)
    {
        var e = Should.Throw<UnreadableInputException>(() => Fixtures.Diagnose(fixture));

        e.Message.ShouldContain(reason);
        e.Message.ShouldNotContain("\n");
    }

    [Fact]
    public void Diagnose_EmptyFile_NoRequestsNoError()
    {
        var result = Fixtures.Diagnose("garbage/empty.log");

        result.Summary.ShouldBe(new DiagnosisSummary(0, 0, 0, 0));
    }

    [Fact]
    public void Diagnose_GzipBomb_RefusedAtTheCap()
    {
        // 64 MB of valid, repetitive events compress to a few hundred KB: far past a 1 MB cap.
        var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.SmallestSize))
        {
            gzip.Write("{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":["u8);
            var chunk = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"id\":\"1\",\"timestamp\":1,\"message\":\"x\"},", 20_000)));
            for (var written = 0L; written < 64L * 1024 * 1024; written += chunk.Length)
            {
                gzip.Write(chunk);
            }
        }
        var envelope = Encoding.UTF8.GetBytes($"{{\"awslogs\":{{\"data\":\"{Convert.ToBase64String(gz.ToArray())}\"}}}}");

        var e = Should.Throw<UnreadableInputException>(() =>
            Diagnoser.Diagnose(new MemoryStream(envelope), LogContext.For("bomb"), new ReadLimits(MaxDecompressedBytes: 1024 * 1024)));

        e.Message.ShouldContain("larger than the 1 MB cap");
    }

    [Fact]
    public void Diagnose_TruncatedJsonExport_ThrowsButKeepsWhatWasRead()
    {
        var json = File.ReadAllText(Fixtures.PathOf("causes/throttled__filter-log-events.json"));
        var cut = json[..(json.Length * 9 / 10)];
        var builder = new DiagnosisBuilder();

        Should.Throw<UnreadableInputException>(() =>
        {
            foreach (var r in InputReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(cut)), LogContext.For("cut")))
            {
                builder.Add(r);
            }
        }).Message.ShouldContain("JSON");

        builder.Build().Summary.Requests.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Diagnose_TwentyMegabyteLine_IsCappedAndTheFailureAfterItIsStillFound()
    {
        var text = new StringBuilder();
        text.Append("(aaaaaaaa-0000-0000-0000-000000000000) Endpoint response body before transformations: ");
        text.Append('x', 20 * 1024 * 1024);
        text.Append('\n');
        text.Append(File.ReadAllText(Fixtures.PathOf("causes/missing_invoke_permission__execution.log")));

        var result = Fixtures.DiagnoseText(text.ToString());

        result.Findings.ShouldHaveSingleItem().Cause.ShouldBe(Cause.MissingInvokePermission);
    }

    [Fact]
    public void Diagnose_TwentyMegabyteJsonValue_RefusedPastTheValueCap()
    {
        var json = "{\"events\":[{\"message\":\"" + new string('y', 20 * 1024 * 1024) + "\"}]}";

        Should.Throw<UnreadableInputException>(() =>
            Diagnoser.Diagnose(new MemoryStream(Encoding.UTF8.GetBytes(json)), LogContext.For("big"), new ReadLimits(MaxJsonValueBytes: 4 * 1024 * 1024)))
            .Message.ShouldContain("larger than 4 MB");
    }

    [Fact]
    public void Diagnose_DeeplyNestedJson_ThrowsUnreadable()
    {
        var json = "{\"events\":[" + new string('[', 10_000) + new string(']', 10_000) + "]}";

        Should.Throw<UnreadableInputException>(() => Fixtures.DiagnoseText(json));
    }

    [Fact]
    public void Diagnose_ManyOpenRequestsBeyondTheBound_AllCountedNoneLost()
    {
        // 5,000 requests that never log a status, with room for only 100 open at once.
        var lines = Enumerable.Range(0, 5_000).Select(i =>
            $"({Guid.NewGuid()}) Execution failed due to configuration error: Invalid permissions on Lambda function");
        var builder = new DiagnosisBuilder(new DiagnosisLimits(MaxOpenRequests: 100));
        foreach (var r in InputReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines))), LogContext.For("many")))
        {
            builder.Add(r);
        }

        var result = builder.Build();

        result.Summary.Requests.ShouldBe(5_000);
        result.Findings.ShouldHaveSingleItem().Count.ShouldBe(5_000);
    }
}
