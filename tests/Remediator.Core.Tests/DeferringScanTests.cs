using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Report;
using Remediator.Core.Scan;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>
/// The deferring scanners (<see cref="InputReader.ReadInto"/>) give exactly the diagnosis of adding every record of
/// <see cref="InputReader.Read"/>: the same findings, summary and warnings, over every fixture and sample, over
/// exports large enough that lines cross the scanner's blocks (LF and CRLF, multibyte UTF-8 at the edges, a
/// trickling stream), and where an export turns into another shape half-way.
/// </summary>
public class DeferringScanTests
{
    public static TheoryData<string> AllInputs
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var file in Directory.GetFiles(Fixtures.Root, "*", SearchOption.AllDirectories)
                .Concat(Directory.GetFiles(Fixtures.SamplesRoot))
                .Where(f => !f.EndsWith(".expect", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                data.Add(file);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AllInputs))]
    public void ReadInto_EveryFixtureAndSample_SameDiagnosisAsRecordByRecord(string path)
    {
        var bytes = File.ReadAllBytes(path);

        Deferred(bytes, 1 << 16).ShouldBe(RecordByRecord(bytes));
        Deferred(bytes, 7).ShouldBe(RecordByRecord(bytes));
    }

    [Theory]
    [MemberData(nameof(ContainerShapeTests.ExecutionLogs), MemberType = typeof(ContainerShapeTests))]
    public void ReadInto_FilterLogEventsOfEveryExecutionLog_SameDiagnosisAsRecordByRecord(string fixture)
    {
        var json = Fixtures.FilterLogEvents(File.ReadAllLines(Fixtures.PathOf(fixture)));

        Deferred(json, 5).ShouldBe(RecordByRecord(json));
    }

    [Theory]
    [InlineData("\n", 1 << 16)]
    [InlineData("\r\n", 1 << 16)]
    [InlineData("\n", 4093)]
    public void ReadInto_ExportLargerThanABlock_SameDiagnosisAsRecordByRecord(string newline, int chunk)
    {
        // About 2.5 million chars: lines, multibyte characters and CRLF pairs fall across the 1M-char blocks.
        var text = Export(2_500_000, newline);
        var bytes = Encoding.UTF8.GetBytes(text);

        var deferred = Deferred(bytes, chunk);

        deferred.ShouldBe(RecordByRecord(bytes));
        deferred.ShouldContain("\"failed\":");
    }

    [Fact]
    public void ReadInto_LargeFilterLogEvents_SameDiagnosisAsRecordByRecord()
    {
        var json = Fixtures.FilterLogEvents(Export(600_000, "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries));

        Deferred(json, 1 << 16).ShouldBe(RecordByRecord(json));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("raw multibyte")]        // UTF-8 written as is, not as \u escapes, split across reads of 3 bytes
    [InlineData("invalid utf-8")]        // an event the plain reader declines: the event reader decides
    [InlineData("lone surrogate")]
    [InlineData("extra member")]
    [InlineData("nested member")]
    [InlineData("duplicate member")]
    [InlineData("cut off")]              // the JSON ends inside an event: the same error as the event reader's
    [InlineData("not json")]
    public void ReadInto_FilterLogEventsOneTokenisation_SameDiagnosisAsRecordByRecord(string variant)
    {
        const string id = "0c1d2e3f-0000-4000-8000-000000000001";
        string Event(string message, string extra = "") =>
            $"{{\"logStreamName\": \"s\", \"timestamp\": 1714568720000, \"message\": \"{message}\", \"ingestionTime\": 1714568720500, \"eventId\": \"1\"{extra}}}";
        var events = new List<string>
        {
            Event($"({id}) Method request body before transformations: {{\\\"name\\\":\\\"Zo\\u00eb\\\"}}"),
            Event($"({id}) Execution failed due to configuration error: Malformed Lambda proxy response"),
        };
        switch (variant)
        {
            case "raw multibyte": events.Insert(0, Event($"({id}) Method request body before transformations: Zoë é… 😀")); break;
            case "invalid utf-8": events.Insert(0, Event($"({id}) Method request body before transformations: \uFFFF")); break;
            case "lone surrogate": events.Insert(0, Event($"({id}) Method request body before transformations: \\ud800")); break;
            case "extra member": events.Insert(0, Event($"({id}) Endpoint request URI: https://x", ", \"other\": 1")); break;
            case "nested member": events.Insert(0, Event($"({id}) Endpoint request URI: https://x", ", \"other\": {\"a\": [1]}")); break;
            case "duplicate member": events.Insert(0, Event($"({id}) Endpoint request URI: https://x", ", \"message\": \"x\"")); break;
        }
        events.Add(Event($"({id}) Method completed with status: 502"));
        var text = "{\"events\": [\n" + string.Join(",\n", events) + "\n], \"searchedLogStreams\": []}";
        text = variant switch
        {
            "cut off" => text[..(text.Length - 60)],
            "not json" => text.Replace("\"eventId\": \"1\"}", "\"eventId\": 1x}"),
            _ => text,
        };
        var bytes = Encoding.UTF8.GetBytes(text);
        if (variant == "invalid utf-8")
        {
            // U+FFFF is EF BF BF in UTF-8: make it EF BF 20, a cut sequence.
            var at = bytes.AsSpan().IndexOf(new byte[] { 0xEF, 0xBF, 0xBF });
            bytes[at + 2] = 0x20;
        }

        var expected = RecordByRecord(bytes);
        Deferred(bytes, 3).ShouldBe(expected);
        Deferred(bytes, 1 << 16).ShouldBe(expected);
        if (variant == "plain")
        {
            expected.ShouldContain("\"failed\":1");
        }
    }

    [Theory]
    [InlineData("(4f2a...) Method completed with status: 502")]                  // a shortened id
    [InlineData("(AccessDeniedException-TIMEOUT) Method completed with status: 200")] // phrases inside an id count for nothing
    [InlineData("    continued: an error message's second line")]              // a continuation line
    [InlineData("2024-05-02T16:09:42.123Z (0c1d2e3f-0000-4000-8000-000000000001) Method completed with status: 502")]
    [InlineData("\"message\": \"(0c1d2e3f-0000-4000-8000-000000000002) Execution failed due to a timeout error\\n(0c1d2e3f-0000-4000-8000-000000000002) Method completed with status: 504\",")]
    [InlineData("(0c1d2e3f-0000-4000-8000-000000000003) {\"status\":\"502\",\"requestId\":\"x\"}")]
    public void ReadInto_ExportThatTurnsIntoAnotherShape_SameDiagnosisAsRecordByRecord(string odd)
    {
        // Past the first block, so that requests are held back when the scanner hands over to the line reader.
        var lines = Export(1_200_000, "\n").Split('\n').ToList();
        lines.Insert(lines.Count - 40, odd);
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines));

        Deferred(bytes, 1 << 16).ShouldBe(RecordByRecord(bytes));
    }

    [Fact]
    public void ReadInto_TwoInputsIntoOneDiagnosis_SameAsRecordByRecord()
    {
        // A request whose lines start in a plain export (held back) and end in a file of another shape.
        var id = "0c1d2e3f-0000-4000-8000-00000000000a";
        var first = Encoding.UTF8.GetBytes($"({id}) Extended Request Id: abc=\n({id}) HTTP Method: GET, Resource Path: /books\n({id}) Endpoint request URI: https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:books/invocations\n");
        var second = Fixtures.FilterLogEvents([$"({id}) Execution failed due to configuration error: Malformed Lambda proxy response", $"({id}) Method completed with status: 502"]);
        string Run(Action<DiagnosisBuilder, byte[]> read)
        {
            var builder = new DiagnosisBuilder();
            read(builder, first);
            read(builder, second);
            return Signature(builder.Build());
        }

        var deferred = Run((b, bytes) => InputReader.ReadInto(new MemoryStream(bytes), LogContext.For("x"), b));

        deferred.ShouldBe(Run((b, bytes) =>
        {
            foreach (var record in InputReader.Read(new MemoryStream(bytes), LogContext.For("x")))
            {
                b.Add(record);
            }
        }));
        deferred.ShouldContain("\"resourcePath\":\"/books\"");
    }

    [Fact]
    public void ReadInto_PastTheHoldBackBudget_SameDiagnosisAsRecordByRecord()
    {
        var bytes = Encoding.UTF8.GetBytes(Export(400_000, "\n"));
        var builder = new DiagnosisBuilder();

        using (var reader = new StreamReader(new MemoryStream(bytes)))
        {
            TextExportScanner.Read(reader, LogContext.For("x"), builder, maxDeferredChars: 3_000);
        }

        Signature(builder.Build()).ShouldBe(RecordByRecord(bytes));
    }

    [Fact]
    public void Build_RequestsLeftOpen_ClosedInTheOrderOfTheOpenSet()
    {
        // The builder remembers closed requests beside open ones; the requests left open at the end still close in the
        // order of a set of open requests alone, where a new request takes the place the last closed one freed (C
        // takes A's place, before B), as before: the sample ids of a finding keep their order.
        var builder = new DiagnosisBuilder(new DiagnosisLimits(CompletionWindow: 1));
        var context = LogContext.For("x");
        foreach (var (id, text) in new[]
        {
            ("a", "Method completed with status: 200"),
            ("b", "Execution failed due to configuration error: Malformed Lambda proxy response"),
            ("c", "Execution failed due to configuration error: Malformed Lambda proxy response"),
            ("d", "Execution failed due to configuration error: Malformed Lambda proxy response"),
        })
        {
            builder.Add(new LogRecord(id, null, text, context));
        }
        builder.Build().Findings.ShouldHaveSingleItem().RequestIds.ShouldBe(["c", "b", "d"]);
    }

    [Theory]
    [InlineData(20, 15, 5)]
    [InlineData(8, 1, 0)]
    [InlineData(50, 200, 30)]
    public void ReadInto_LimitsThatReuseRequestObjects_SameDiagnosisAsRecordByRecord(int maxOpen, int window, int recentlyClosed)
    {
        // The builder reuses a request's object once its id leaves the remembered window: with small limits (evictions,
        // a request forgotten while its completion is pending, ids that come back) the deferring scanner, which keeps
        // the last request it saw, still agrees with record-by-record reading. Requests interleave three at a time and
        // every seventh id comes back later.
        var lines = Export(300_000, "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var groups = lines.GroupBy(l => l[1..l.IndexOf(')')]).Select(g => g.ToList()).ToList();
        var mixed = new List<string>();
        for (var g = 0; g + 2 < groups.Count; g += 3)
        {
            for (var k = 0; k < groups[g].Count || k < groups[g + 1].Count || k < groups[g + 2].Count; k++)
            {
                mixed.AddRange(groups.Skip(g).Take(3).Where(group => k < group.Count).Select(group => group[k]));
            }
            if (g % 7 == 0 && g >= 21)
            {
                mixed.AddRange(groups[g - 21]);
            }
        }
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', mixed));
        var limits = new DiagnosisLimits(maxOpen, window, recentlyClosed);

        var deferred = new DiagnosisBuilder(limits);
        InputReader.ReadInto(new MemoryStream(bytes), LogContext.For("x"), deferred);
        var reference = new DiagnosisBuilder(limits);
        foreach (var record in InputReader.Read(new MemoryStream(bytes), LogContext.For("x")))
        {
            reference.Add(record);
        }

        var signature = Signature(deferred.Build());
        signature.ShouldBe(Signature(reference.Build()));
        signature.ShouldContain("\"failed\":");
    }

    [Theory]
    [InlineData(1, 2)]      // forgotten: a new request, which fails again
    [InlineData(20_000, 1)] // remembered: its later lines are trailer lines, dropped
    public void Add_IdSeenAgainAfterItsRequestClosed_NewRequestOnlyOnceForgotten(int recentlyClosed, int failed)
    {
        var builder = new DiagnosisBuilder(new DiagnosisLimits(CompletionWindow: 1, RecentlyClosed: recentlyClosed));
        var context = LogContext.For("x");
        foreach (var (id, text) in new[]
        {
            ("a", "Execution failed due to configuration error: Malformed Lambda proxy response"),
            ("a", "Method completed with status: 502"),
            ("b", "Method completed with status: 200"),
            ("c", "Method completed with status: 200"),
            ("d", "Method completed with status: 200"),
            ("a", "Execution failed due to configuration error: Malformed Lambda proxy response"),
            ("a", "Method completed with status: 502"),
        })
        {
            builder.Add(new LogRecord(id, null, text, context));
        }

        var result = builder.Build();

        result.Summary.Failed.ShouldBe(failed);
        result.Findings.ShouldHaveSingleItem().RequestIds.ShouldAllBe(id => id == "a");
    }

    [Fact]
    public void PhraseTriage_NoHeldBackPhraseOverlapsASearchedOne()
    {
        // A held-back line must not hide a searched phrase from the classifier's scan (which takes the longest phrase at
        // each place and moves past it): no deferred phrase may end with the start of a searched one, or contain one.
        foreach (var deferred in PhraseTriage.Deferred)
        {
            foreach (var searched in PhraseTriage.Searched)
            {
                deferred.Contains(searched, StringComparison.Ordinal).ShouldBeFalse($"{deferred} / {searched}");
                for (var k = 1; k < Math.Min(deferred.Length, searched.Length); k++)
                {
                    deferred.EndsWith(searched[..k], StringComparison.Ordinal).ShouldBeFalse($"{deferred} / {searched}");
                }
            }
        }
        PhraseTriage.Searched.ShouldAllBe(p => PhraseTriage.Triggers.Any(t => p.Contains(t, StringComparison.Ordinal)));
        PhraseTriage.Triggers.Count.ShouldBeLessThan(PhraseTriage.Searched.Count / 2);
    }

    [Theory]
    [InlineData("(x) Method completed with status: 200", "Status")]
    [InlineData("(x) Method completed with status: 429", "Status")]
    [InlineData("(x) Method completed with status: 502", "Decisive")]
    [InlineData("(x) Method completed with status: 50", "Decisive")]
    [InlineData("(x) Method completed with status: 200 Method completed with status: 200", "Decisive")]
    [InlineData("(x) Successfully completed execution", "Completion")]
    [InlineData("(x) HTTP Method: GET, Resource Path: /x", "Deferrable")]
    [InlineData("(x) Endpoint response headers: {x-amzn-ErrorType=ENILimitReachedException}", "Decisive")]
    [InlineData("(x) Gateway response type: DEFAULT_5XX with status code: 500", "Decisive")]
    public void PhraseTriage_Classify(string line, string kind)
    {
        var expected = Enum.Parse<LineKind>(kind);
        PhraseTriage.Classify(line).ShouldBe(expected);
        (PhraseTriage.NextCandidate(line) >= 0).ShouldBe(expected != LineKind.Deferrable);
    }

    internal static string RecordByRecord(byte[] input)
    {
        var builder = new DiagnosisBuilder();
        try
        {
            foreach (var record in InputReader.Read(new MemoryStream(input), LogContext.For("x")))
            {
                builder.Add(record);
            }
        }
        catch (UnreadableInputException e)
        {
            return "unreadable: " + e.Message;
        }
        return Signature(builder.Build());
    }

    internal static string Deferred(byte[] input, int chunk)
    {
        var builder = new DiagnosisBuilder();
        try
        {
            InputReader.ReadInto(new TrickleStream(input, chunk), LogContext.For("x"), builder);
        }
        catch (UnreadableInputException e)
        {
            return "unreadable: " + e.Message;
        }
        return Signature(builder.Build());
    }

    private static string Signature(DiagnosisResult result) =>
        JsonReport.ToJson(result, indented: false) + "\nwarnings: " + string.Join("\n", result.Warnings);

    /// <summary>The execution-log fixtures with request ids, over and over with fresh ids, to about <paramref name="chars"/> chars.</summary>
    internal static string Export(int chars, string newline)
    {
        var requests = ((IEnumerable<object[]>)ContainerShapeTests.ExecutionLogs).Select(row => File.ReadAllLines(Fixtures.PathOf((string)row[0])))
            .Where(lines => lines.Length > 0 && lines.All(l => l.Length == 0 || l.StartsWith('('))).ToList();
        var random = new Random(14);
        var text = new StringBuilder();
        for (var n = 0; text.Length < chars; n++)
        {
            var lines = requests[n % requests.Count];
            var id = new Guid(random.Next(), (short)random.Next(), (short)random.Next(), 1, 2, 3, 4, 5, 6, 7, (byte)n).ToString();
            foreach (var line in lines.Where(l => l.Length > 0))
            {
                var close = line.IndexOf(')');
                text.Append('(').Append(id).Append(line[close..]).Append(newline);
            }
            // A successful request with data tracing whose body holds two- to four-byte characters.
            text.Append('(').Append(id).Append("x) Method request body before transformations: {\"name\":\"Zoë ").Append('é', n % 5).Append("…😀\"}").Append(newline)
                .Append('(').Append(id).Append("x) HTTP Method: GET, Resource Path: /ok").Append(newline)
                .Append('(').Append(id).Append("x) Method completed with status: 200").Append(newline);
        }
        return text.ToString();
    }
}
