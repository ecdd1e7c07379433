using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>
/// The diagnosis does not depend on the container: every CloudWatch-form execution-log fixture, re-packed into a
/// subscription envelope (gzip + base64), filter-log-events JSON, a Logs Insights CSV and a trickling stream, and
/// written out in every shape the README lists (aws logs tail's formats, console copies, ISO prefixes, shortened ids,
/// Insights JSON, a decoded DATA_MESSAGE), gives the same findings as the plain file; so does every console-test
/// fixture with an ISO time, row numbers or tabs in front. The renderers are <see cref="LogShapes"/>'.
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
        var json = Encoding.UTF8.GetBytes(LogShapes.Render("filter-log-events", Events(fixture), Group));

        var result = Diagnoser.Diagnose(new TrickleStream(json, 7), LogContext.For("filter-log-events"));

        Signature(result).ShouldBe(Signature(Plain(fixture)));
    }

    [Theory]
    [MemberData(nameof(ExecutionLogs))]
    public void Diagnose_RepackedAsInsightsCsv_SameFindings(string fixture)
    {
        var result = Fixtures.DiagnoseText(LogShapes.Render("insights-csv", Events(fixture), Group));

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

    /// <summary>The shapes of <see cref="LogShapes"/> that hold execution-log lines as text (the containers have their own tests above).</summary>
    private static readonly string[] TextShapes =
    [
        "tail-detailed", "tail-short", "tail-color", "tail-group", "console-numbered", "console-tabs", "console-numbered-tabs",
        "console-pipes", "iso", "shortened-ids", "insights-json", "data-message",
    ];

    public static TheoryData<string, string> ExecutionLogsInEveryShape
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var fixture in ExecutionLogs)
            {
                foreach (var shape in TextShapes)
                {
                    data.Add(fixture, shape);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ExecutionLogsInEveryShape))]
    public void Diagnose_ShapedAsPeopleGetIt_SameFindings(string fixture, string shape)
    {
        var result = Fixtures.DiagnoseText(LogShapes.Render(shape, Events(fixture), Group));

        var plain = Plain(fixture);
        if (shape == "shortened-ids")
        {
            // Each id as written is its own request, and the one it shortens.
            Signature(result, ids: false).ShouldBe(Signature(plain, ids: false));
            foreach (var id in result.Findings.SelectMany(f => f.RequestIds))
            {
                plain.Findings.SelectMany(f => f.RequestIds).Count(full => LineNormalizer.CouldBeSame(id, full)).ShouldBe(1, id);
            }
        }
        else
        {
            Signature(result).ShouldBe(Signature(plain));
        }
        result.Warnings.ShouldBe(plain.Warnings);
    }

    /// <summary>
    /// The console's test output (<c>Thu Apr 05 11:12:53 UTC 2018 : text</c>, no request id: one request) pasted with an
    /// ISO time in front, copied with row numbers, tabs or both, or with a ticket's line numbers.
    /// </summary>
    private static readonly string[] ConsoleTestShapes =
        ["iso", "console-numbered", "console-tabs", "console-numbered-tabs", "row-numbered", "row-numbered-tabs"];

    public static TheoryData<string, string> ConsoleTestLogsInEveryShape
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var f in Directory.GetFiles(Path.Combine(Fixtures.Root, "causes"), "*__execution-console*.log").Order(StringComparer.Ordinal))
            {
                foreach (var shape in ConsoleTestShapes)
                {
                    data.Add(Path.GetRelativePath(Fixtures.Root, f), shape);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ConsoleTestLogsInEveryShape))]
    public void Diagnose_ConsoleTestLogShapedAsPeopleGetIt_SameFindings(string fixture, string shape)
    {
        var events = LogShapes.Events(fixture, line => line.AsSpan().TrimStart() is var s && LineNormalizer.TryTimestamp(ref s) is not null);

        var result = Fixtures.DiagnoseText(LogShapes.Render(shape, events, Group));

        var plain = Plain(fixture);
        LogShapes.Signature(result, api: true).ShouldBe(LogShapes.Signature(plain, api: true));
        result.Warnings.ShouldBe(plain.Warnings);
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
    private static List<string> Events(string fixture) => LogShapes.Events(fixture, line => line.StartsWith('('));

    private static DiagnosisResult Plain(string fixture) => Fixtures.Diagnose(fixture);

    private static string Signature(DiagnosisResult r, bool ids = true) => LogShapes.Signature(r, ids);
}
