using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>
/// The diagnosis does not depend on the container: every CloudWatch-form execution-log fixture, re-packed into a
/// subscription envelope (gzip + base64), filter-log-events JSON, a Logs Insights CSV and a trickling stream, and
/// written out in every shape the README lists (aws logs tail's formats, console copies, ISO prefixes, shortened ids,
/// Insights JSON, a decoded DATA_MESSAGE), gives the same findings as the plain file.
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

    /// <summary>
    /// The shapes the README lists that are text or JSON around the same events, one renderer each: events in, the
    /// file a person would have in hand out. The awscli formats follow awscli 2.9's formatters (customizations/logs/tail.py,
    /// as in fixtures/shapes); the console's as its copy buttons and expanded rows give them.
    /// </summary>
    private static readonly Dictionary<string, Func<IReadOnlyList<string>, string>> Renderers = new(StringComparer.Ordinal)
    {
        ["tail-detailed"] = events => Lines(events, (e, i) => $"{Time(i):yyyy-MM-ddTHH:mm:ss.ffffff}+00:00 {Stream} {e}"),
        ["tail-short"] = events => Lines(events, (e, i) => $"{Time(i):yyyy-MM-ddTHH:mm:ss} {e}"),
        ["tail-color"] = events => Lines(events, (e, i) => $"\u001b[32m{Time(i):yyyy-MM-ddTHH:mm:ss.ffffff}+00:00\u001b[0m \u001b[36m{Stream}\u001b[0m {e}"),
        ["tail-group"] = events => Lines(events, (e, i) => $"{Group} {Time(i):yyyy-MM-ddTHH:mm:ss.ffffff}+00:00 {Stream} {e}"),
        ["console-numbered"] = events => Lines(events, (e, i) => $"{i + 1} {Time(i):yyyy-MM-ddTHH:mm:ss.fff}Z {e}"),
        ["console-tabs"] = events => Lines(events, (e, i) => $"{Time(i):yyyy-MM-ddTHH:mm:ss.fff}Z\t{e}"),
        ["console-numbered-tabs"] = events => Lines(events, (e, i) => $"{i + 1}\t{Time(i):yyyy-MM-ddTHH:mm:ss.fff}Z\t{e}"),
        ["console-pipes"] = events => "-- | --\n" + Lines(events, (e, i) => $"  | {Time(i):yyyy-MM-ddTHH:mm:ss.fff}Z | {e}"),
        ["iso"] = events => Lines(events, (e, i) => $"{Time(i):yyyy-MM-ddTHH:mm:ss.fff}Z {e}"),
        ["shortened-ids"] = events => Lines(events, (e, _) => ShortenId(e)),
        ["insights-json"] = events => JsonOf(w =>
        {
            w.WriteStartArray();
            for (var i = 0; i < events.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("@timestamp", $"{Time(i):yyyy-MM-dd HH:mm:ss.fff}");
                w.WriteString("@message", events[i]);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }),
        ["data-message"] = events => JsonOf(w =>
        {
            w.WriteStartObject();
            w.WriteString("messageType", "DATA_MESSAGE");
            w.WriteString("owner", "123456789012");
            w.WriteString("logGroup", Group);
            w.WriteString("logStream", Stream);
            w.WriteStartArray("subscriptionFilters");
            w.WriteStringValue("remediator");
            w.WriteEndArray();
            w.WriteStartArray("logEvents");
            for (var i = 0; i < events.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("id", $"3864{i:D20}");
                w.WriteNumber("timestamp", Time(i).ToUnixTimeMilliseconds());
                w.WriteString("message", events[i]);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }),
    };

    public static TheoryData<string, string> ExecutionLogsInEveryShape
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var fixture in ExecutionLogs)
            {
                foreach (var shape in Renderers.Keys)
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
        var result = Fixtures.DiagnoseText(Renderers[shape](Events(fixture)));

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

    private static readonly DateTimeOffset Start = new(2024, 5, 2, 16, 9, 42, 123, TimeSpan.Zero);
    private const string Stream = "c9f0f895fb98ab9156f5a0b47e7b1e2a";

    private static DateTimeOffset Time(int i) => Start.AddMilliseconds(i);

    private static string Lines(IReadOnlyList<string> events, Func<string, int, string> line) =>
        string.Concat(events.Select((e, i) => line(e, i) + "\n"));

    /// <summary>"(a8d3a6db-9d36-...) text" as "(a8d3a6db...) text": the prefix only, ids inside the text stay whole.</summary>
    private static string ShortenId(string e) => e.StartsWith('(') && e.IndexOf(')') is > 9 and var close ? $"({e[1..9]}...){e[(close + 1)..]}" : e;

    private static string JsonOf(Action<Utf8JsonWriter> write)
    {
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true }))
        {
            write(w);
        }
        return Encoding.UTF8.GetString(json.ToArray());
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

    private static string Signature(DiagnosisResult r, bool ids = true) => string.Join(" | ", r.Findings.Select(f =>
        $"{f.Cause.ToName()} {f.Status} x{f.Count} {f.Key.HttpMethod} {f.Key.ResourcePath} {f.Key.FunctionArn}:{f.Key.Qualifier} [{(ids ? string.Join(',', f.RequestIds) : f.RequestIds.Count)}] {f.ErrorType} {f.ErrorMessage} {f.Evidence}"))
        + $" / {r.Summary.Requests} {r.Summary.Failed}";
}
