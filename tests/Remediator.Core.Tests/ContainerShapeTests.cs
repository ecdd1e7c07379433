using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>
/// The diagnosis does not depend on the container: every CloudWatch-form execution-log fixture, re-packed into a
/// subscription envelope (gzip + base64), filter-log-events JSON, a Logs Insights CSV and a trickling stream, gives
/// the same findings as the plain file.
/// </summary>
public class ContainerShapeTests
{
    private const string Group = "API-Gateway-Execution-Logs_a1b2c3d4e5/prod";

    public static TheoryData<string> ExecutionLogs
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var f in Directory.GetFiles(Path.Combine(Fixtures.Root, "causes"), "*__execution*.log").Order(StringComparer.Ordinal))
            {
                if (!f.Contains("execution-", StringComparison.Ordinal)) // console and ISO logs have no request ids to re-pack
                {
                    data.Add(Path.GetRelativePath(Fixtures.Root, f));
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ExecutionLogs))]
    public void Diagnose_RepackedAsSubscriptionEnvelope_SameFindings(string fixture)
    {
        var envelope = Fixtures.Envelope(Group, Events(fixture));

        var result = Diagnoser.Diagnose(new MemoryStream(envelope), LogContext.For("envelope"));

        Signature(result).ShouldBe(Signature(Plain(fixture)));
        result.Findings.ShouldAllBe(f => f.Key.ApiId == "a1b2c3d4e5" && f.Key.Stage == "prod" && f.AccountId == "123456789012");
    }

    [Theory]
    [MemberData(nameof(ExecutionLogs))]
    public void Diagnose_RepackedAsFilterLogEvents_SameFindings(string fixture)
    {
        var json = Fixtures.FilterLogEvents(Events(fixture));

        var result = Diagnoser.Diagnose(new TrickleStream(json, 7), LogContext.For("filter-log-events"));

        Signature(result).ShouldBe(Signature(Plain(fixture)));
    }

    [Theory]
    [MemberData(nameof(ExecutionLogs))]
    public void Diagnose_RepackedAsInsightsCsv_SameFindings(string fixture)
    {
        var csv = new StringBuilder("@timestamp,@message,@log\n");
        foreach (var line in Events(fixture))
        {
            csv.Append("2024-05-01 13:05:20.000,\"").Append(line.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\",123456789012:").Append(Group).Append('\n');
        }

        var result = Fixtures.DiagnoseText(csv.ToString());

        Signature(result).ShouldBe(Signature(Plain(fixture)));
        result.Findings.ShouldAllBe(f => f.Key.ApiId == "a1b2c3d4e5" && f.FirstSeen != null);
    }

    [Theory]
    [MemberData(nameof(ExecutionLogs))]
    public void Diagnose_ReadOneByteAtATime_SameFindings(string fixture)
    {
        var result = Diagnoser.Diagnose(new TrickleStream(File.ReadAllBytes(Fixtures.PathOf(fixture)), 1), LogContext.For("trickle"));

        Signature(result).ShouldBe(Signature(Plain(fixture)));
    }

    [Fact]
    public void Diagnose_RawGzipOfDataMessage_IsRead()
    {
        var data = File.ReadAllBytes(Fixtures.PathOf("causes/throttled__data-message.json"));
        var gz = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        var result = Diagnoser.Diagnose(new MemoryStream(gz.ToArray()), LogContext.For("gz"));

        result.Findings.ShouldHaveSingleItem().Cause.ShouldBe(Cause.Throttled);
    }

    [Fact]
    public void Diagnose_EnvelopeWithEscapedSlashes_IsDecoded()
    {
        var envelope = Encoding.UTF8.GetString(Fixtures.Envelope(Group, File.ReadAllLines(Fixtures.PathOf("causes/throttled__execution.log"))));
        var escaped = envelope.Replace("/", "\\/", StringComparison.Ordinal); // JSON may escape '/' inside the base64

        var result = Fixtures.DiagnoseText(escaped);

        result.Findings.ShouldHaveSingleItem().Cause.ShouldBe(Cause.Throttled);
    }

    [Fact]
    public void Diagnose_ControlMessageEnvelope_NoRequestsNoError()
    {
        var control = """{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1714568720000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}""";

        var result = Diagnoser.Diagnose(new MemoryStream(Fixtures.WrapEnvelope(Encoding.UTF8.GetBytes(control))), LogContext.For("control"));

        result.Summary.Requests.ShouldBe(0);
        result.Findings.ShouldBeEmpty();
    }

    [Fact]
    public void Diagnose_DeliveryWithLinesOfSeveralApis_OneFindingPerApi()
    {
        var a = Events("causes/missing_invoke_permission__execution.log");
        var viaA = Diagnoser.Diagnose(new MemoryStream(Fixtures.Envelope("API-Gateway-Execution-Logs_aaaaaaaaaa/prod", a)), LogContext.For("a"));
        var b = Fixtures.Envelope("API-Gateway-Execution-Logs_bbbbbbbbbb/beta", a.Select(l => l.Replace("a1b2c3d4e5", "bbbbbbbbbb", StringComparison.Ordinal)));
        var builder = new DiagnosisBuilder();
        foreach (var r in InputReader.Read(new MemoryStream(Fixtures.Envelope("API-Gateway-Execution-Logs_a1b2c3d4e5/prod", a)), LogContext.For("a")))
        {
            builder.Add(r);
        }
        foreach (var r in InputReader.Read(new MemoryStream(b), LogContext.For("b")))
        {
            builder.Add(r with { RequestId = r.RequestId + "-b" });
        }

        var result = builder.Build();

        viaA.Findings.ShouldHaveSingleItem();
        result.Findings.Select(f => $"{f.Key.ApiId}/{f.Key.Stage}").Order().ShouldBe(["a1b2c3d4e5/prod", "bbbbbbbbbb/beta"]);
    }

    /// <summary>The CloudWatch events of a file: a line that does not start with "(id)" continues the event before it.</summary>
    private static List<string> Events(string fixture)
    {
        var events = new List<string>();
        foreach (var line in File.ReadAllLines(Fixtures.PathOf(fixture)).Where(l => l.Length > 0))
        {
            if (line.StartsWith('(') || events.Count == 0)
            {
                events.Add(line);
            }
            else
            {
                events[^1] += "\n" + line;
            }
        }
        return events;
    }

    private static DiagnosisResult Plain(string fixture) => Fixtures.Diagnose(fixture);

    private static string Signature(DiagnosisResult r) => string.Join(" | ", r.Findings.Select(f =>
        $"{f.Cause.ToName()} {f.Status} x{f.Count} {f.Key.HttpMethod} {f.Key.ResourcePath} {f.Key.FunctionArn}:{f.Key.Qualifier} [{string.Join(',', f.RequestIds)}] {f.ErrorMessage}"))
        + $" / {r.Summary.Requests} {r.Summary.Failed}";
}
