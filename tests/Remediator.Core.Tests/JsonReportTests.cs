using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Report;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>The JSON document is a contract other tools parse: exact keys, snake_case causes, null for what the log does not show.</summary>
public class JsonReportTests
{
    private static readonly string[] FindingKeys =
    [
        "id", "cause", "reason", "count", "status", "apiType", "logKind", "apiId", "stage", "method", "resourcePath", "routeKey",
        "functionArn", "qualifier", "errorType", "errorMessage", "integrationLatencyMs", "requestIds", "firstSeen", "lastSeen",
        "evidence", "note", "responseProblem", "accountId", "region", "logGroup", "advice",
    ];

    [Fact]
    public void ToJson_Samples_HasTheDocumentedSchema()
    {
        var builder = new DiagnosisBuilder();
        foreach (var file in Directory.GetFiles(Fixtures.SamplesRoot).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)))
        {
            using var s = File.OpenRead(file);
            foreach (var r in Ingest.InputReader.Read(s, Ingest.LogContext.For(file)))
            {
                builder.Add(r);
            }
        }
        var result = builder.Build();

        using var doc = JsonDocument.Parse(JsonReport.ToJson(result));

        var root = doc.RootElement;
        root.EnumerateObject().Select(p => p.Name).ShouldBe(["findings", "summary"]);
        root.GetProperty("summary").EnumerateObject().Select(p => p.Name).ShouldBe(["requests", "failed", "findings", "unclassified"]);
        var findings = root.GetProperty("findings").EnumerateArray().ToList();
        findings.Count.ShouldBe(result.Findings.Count);
        findings.Count.ShouldBeGreaterThan(3);
        foreach (var f in findings)
        {
            f.EnumerateObject().Select(p => p.Name).ShouldBe(FindingKeys);
            CauseNames.TryParse(f.GetProperty("cause").GetString()!, out _).ShouldBeTrue();
            f.GetProperty("requestIds").GetArrayLength().ShouldBeInRange(1, Finding.MaxSampleRequestIds);
            f.GetProperty("advice").GetProperty("steps").GetArrayLength().ShouldBeGreaterThan(0);
            f.GetProperty("advice").GetProperty("effort").GetString().ShouldNotBeNullOrEmpty();
        }
    }

    [Fact]
    public void ToJson_AccessLogWithoutFunction_WritesNullNotAGuess()
    {
        var result = Fixtures.Diagnose("causes/unknown__access-rest.jsonl");

        using var doc = JsonDocument.Parse(JsonReport.ToJson(result));
        var f = doc.RootElement.GetProperty("findings")[0];

        f.GetProperty("functionArn").ValueKind.ShouldBe(JsonValueKind.Null);
        f.GetProperty("errorType").ValueKind.ShouldBe(JsonValueKind.Null);
        f.GetProperty("cause").GetString().ShouldBe("unknown");
        f.GetProperty("note").GetString().ShouldNotBeNull().ShouldContain("$context.integration.error");
    }

    [Fact]
    public void ToJson_InterleavedFixture_MatchesApprovedSnapshot()
    {
        JsonReport.ToJson(Fixtures.Diagnose("mixed/interleaved.log")).ShouldMatchApproved(c => c.SubFolder("approved").NoDiff());
    }

    [Fact]
    public void Write_ReportLargerThanItsBuffer_StreamedInPiecesSameBytesAsToJson()
    {
        // Every fixture's failing request over and over, under fresh ids: a report of a few hundred KB.
        var builder = new DiagnosisBuilder();
        foreach (var file in Directory.GetFiles(Path.Combine(Fixtures.Root, "causes"), "*__execution*.log").Order(StringComparer.Ordinal))
        {
            using var s = File.OpenRead(file);
            Ingest.InputReader.ReadInto(s, Ingest.LogContext.For(file), builder);
        }
        var result = builder.Build();
        var timeline = new TimelineRecorder().Build(result);
        var output = new WritesCounted();

        JsonReport.Write(output, result, timeline);

        System.Text.Encoding.UTF8.GetString(output.ToArray()).ShouldBe(JsonReport.ToJson(result, timeline));
        output.Writes.ShouldBeGreaterThan(1);
    }

    private sealed class WritesCounted : MemoryStream
    {
        public int Writes { get; private set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Writes++;
            base.Write(buffer);
        }
    }
}
