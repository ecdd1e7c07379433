using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Remediator.Core.Scan;
using Shouldly;

namespace Remediator.Core.Tests;

/// <summary>
/// filter-log-events JSON read event by event from its bytes (<c>Scan/FlatEventParser</c>) gives exactly the
/// diagnosis, and the same errors with the same line and position, as the tokeniser reading every event: in the
/// CLI's indented form, minified on one line and with CRLF; with every kind of escape and value the parser takes or
/// declines, placed after many plain events; and cut off or broken at many places.
/// </summary>
public class FlatEventScanTests
{
    private const string Id = "0c1d2e3f-0000-4000-8000-00000000000";

    private static string Event(int n, string message, string? timestamp = null, string extra = "") =>
        $"{{\n            \"logStreamName\": \"s\",\n            \"timestamp\": {timestamp ?? (1714568720000 + n).ToString()},\n" +
        $"            \"message\": \"{message}\",\n            \"ingestionTime\": 1714568720500,\n            \"eventId\": \"{n}\"{extra}\n        }}";

    private static string Export(string odd, string layout)
    {
        var events = new List<string>();
        for (var n = 0; n < 40; n++)
        {
            var id = Id + (n % 4);
            events.Add(Event(n, n % 10 == 9 ? $"({id}) Method completed with status: {(n % 20 == 9 ? 502 : 200)}"
                : n % 10 == 5 ? $"({id}) Lambda execution failed with status 200 due to customer function error: boom"
                : $"({id}) Endpoint response body before transformations: {{\\\"n\\\":{n}}}"));
        }
        events.Insert(30, odd);
        var text = "{\n    \"events\": [\n        " + string.Join(",\n        ", events) + "\n    ],\n    \"searchedLogStreams\": []\n}\n";
        return layout switch
        {
            "minified" => text.Replace("\n", "").Replace("    ", ""),
            "crlf" => text.Replace("\n", "\r\n"),
            _ => text,
        };
    }

    public static TheoryData<string, string> Odd
    {
        get
        {
            var id = Id + "1";
            var data = new TheoryData<string, string>();
            foreach (var layout in new[] { "indented", "minified", "crlf" })
            {
                foreach (var odd in new[]
                {
                    Event(90, $"({id}) Method request body: {{\\\"a\\\":\\\"b\\\\\\\\c\\/d\\\"}}\\t\\b\\f\\r"),
                    Event(91, $"({id}) Method request body: Zo\\u00eb \\ud83d\\ude00"),
                    Event(92, $"({id}) Method request body: \\ud800 alone"),
                    Event(93, $"({id}) Method request body: raw Zoë 😀"),
                    Event(94, $"({id}) Method completed with status: 504", timestamp: "1714568720000.5"),
                    Event(95, $"({id}) Method completed with status: 504", timestamp: "-1"),
                    Event(96, $"({id}) Method completed with status: 504", timestamp: "0123"),
                    Event(97, $"({id}) Method completed with status: 504", timestamp: "\"1714568720000\""),
                    Event(98, $"({id}) Method completed with status: 504", timestamp: "99999999999999999999"),
                    Event(99, $"({id}) Method completed with status: 504", timestamp: "253402300800000"),
                    Event(100, $"({id}) Method completed with status: 504", timestamp: "1e3"),
                    Event(101, $"({id}) Method completed with status: 504", extra: ",\n            \"other\": true"),
                    Event(102, $"({id}) Method completed with status: 504", extra: ",\n            \"id\": null"),
                    Event(103, $"({id}) Method completed with status: 504", extra: ",\n            \"message\": \"x\""),
                    Event(104, $"({id}) Method completed with status: 504", extra: ",\n            \"id\": [1]"),
                    Event(105, $"({id}) Method completed\u0001 with status: 504"),
                    Event(106, "Method completed with status: 504"),
                    Event(107, $"({id}) Method completed with status: 504", extra: ",\n            \"e\\u0076entId\": \"x\""),
                    "{}",
                    "\"a string\"",
                    "[1, 2]",
                    "{\"message\": null}",
                    "{\"message\": \"x\",}",
                })
                {
                    data.Add(layout, odd);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Odd))]
    public void ReadInto_OddEventAfterPlainOnes_SameAsRecordByRecord(string layout, string odd)
    {
        var bytes = Encoding.UTF8.GetBytes(Export(odd, layout));

        var expected = DeferringScanTests.RecordByRecord(bytes);
        DeferringScanTests.Deferred(bytes, 7).ShouldBe(expected);
        DeferringScanTests.Deferred(bytes, 1 << 16).ShouldBe(expected);
    }

    [Theory]
    [InlineData("indented")]
    [InlineData("minified")]
    [InlineData("crlf")]
    public void ReadInto_CutOffOrBrokenAnywhere_SameDiagnosisOrErrorAsRecordByRecord(string layout)
    {
        var text = Export(Event(90, $"({Id}1) Method completed with status: 200"), layout);
        var failures = new List<string>();
        for (var at = text.Length / 2; at < text.Length; at += 37)
        {
            foreach (var variant in new[] { text[..at], text[..at] + "x" + text[at..], text[..at] + "]" + text[at..] })
            {
                var bytes = Encoding.UTF8.GetBytes(variant);
                var expected = DeferringScanTests.RecordByRecord(bytes);
                var actual = DeferringScanTests.Deferred(bytes, 1 << 16);
                if (actual != expected)
                {
                    failures.Add($"at {at}: {actual} instead of {expected}");
                }
            }
        }

        failures.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadInto_BrokenAfterManyLongLines_SameErrorPositionAsRecordByRecord(bool oneLine)
    {
        // Ten thousand events (70,000 lines) read past the tokeniser, then an error: its line and position are those of the file.
        var events = Enumerable.Range(0, 10000).Select(n => Event(n, $"({Id}{n % 7}) Endpoint request URI: https://example.com/{new string('a', n % 300)}"));
        var text = "{\"events\": [" + string.Join(",", events) + ", {\"message\": tru}]}";
        var bytes = Encoding.UTF8.GetBytes(oneLine ? text.Replace("\n", "") : text); // one line: past 64 K columns

        var expected = DeferringScanTests.RecordByRecord(bytes);
        expected.ShouldContain("LineNumber");
        DeferringScanTests.Deferred(bytes, 1 << 16).ShouldBe(expected);
    }

    [Theory]
    [InlineData("]}")]
    [InlineData("], \"nextToken\": \"abc\"}")]
    [InlineData("], \"nextToken\": tru}")]
    [InlineData("]} x")]
    [InlineData("]")]
    [InlineData("], \"searchedLogStreams\": [{\"logStreamName\": \"s\", \"searchedCompletely\": true}]}\n")]
    public void ReadInto_EndAfterManyEvents_SameDiagnosisOrErrorPositionAsRecordByRecord(string end)
    {
        // What follows the last event is read once before the stand-in: an error there keeps its line and position.
        var events = Enumerable.Range(0, 10000).Select(n => Event(n, $"({Id}{n % 7}) Endpoint request URI: https://example.com/{n}"));
        var bytes = Encoding.UTF8.GetBytes("{\"events\": [" + string.Join(",", events) + "\n    " + end);

        var expected = DeferringScanTests.RecordByRecord(bytes);
        DeferringScanTests.Deferred(bytes, 1 << 16).ShouldBe(expected);
        DeferringScanTests.Deferred(bytes, 4096).ShouldBe(expected);
    }

    [Theory]
    [InlineData("(a1b2c3d4-0000) plain", "(a1b2c3d4-0000) plain")]
    [InlineData("(a1b2c3d4-0000) body: {\\\"ok\\\":true} \\\\ \\/ \\t", "(a1b2c3d4-0000) body: {\"ok\":true} \\ / \t")]
    public void Parse_CliEvent_ReadsItsMessageAndTimeWithoutTheTokeniser(string escaped, string message)
    {
        // The CLI's indented form, its message before other strings: the common case must not fall back.
        var bytes = Encoding.UTF8.GetBytes(",\n        " + Event(5, escaped) + "\n    ]");
        var parser = new FlatEventParser();

        parser.Parse(bytes, final: true, out var consumed).ShouldBe(FlatEventRead.Done);

        Encoding.UTF8.GetString(parser.Message).ShouldBe(message);
        parser.TimestampMs.ShouldBe(1714568720005);
        Encoding.UTF8.GetString(bytes, consumed, bytes.Length - consumed).ShouldBe("\n    ]");
    }

    [Theory]
    [MemberData(nameof(Odd))]
    public void ParseInto_AnyEventCutAnywhere_SameAsParseThenDecode(string layout, string odd)
    {
        // The one-pass decoding takes only what it is sure of: for every window, the same result, end, time and text.
        var separator = layout == "minified" ? "," : layout == "crlf" ? ",\r\n        " : ",\n        ";
        var plain = Event(5, $"({Id}1) body: {{\\\"ok\\\":true}} \\\\ \\/ \\t");
        string layoutOf(string text) => layout switch
        {
            "minified" => text.Replace("\n", "").Replace("    ", ""),
            "crlf" => text.Replace("\n", "\r\n"),
            _ => text,
        };
        var failures = new List<string>();
        foreach (var element in new[] { odd, plain, plain.Replace("\"s\"", "\"Zoë\""), plain.Replace("1714568720500", "-0"), plain.Replace("\"5\"", "5") })
        {
            var bytes = Encoding.UTF8.GetBytes(layoutOf(separator + element + "\n    ]" + new string(' ', 40)));
            for (var cut = 0; cut <= bytes.Length; cut++)
            {
                foreach (var (final, room, primed) in new[] { (false, 8, false), (true, 8, false), (false, 4096, false), (true, 4096, false), (false, 4096, true), (true, 4096, true) })
                {
                    var window = bytes.AsMemory(0, cut);
                    var reference = new FlatEventParser();
                    var expected = reference.Parse(window, final, out var expectedEnd);
                    var expectedText = expected == FlatEventRead.Done ? Decode(reference.Message) : null;
                    var parser = new FlatEventParser();
                    var chars = new char[room];
                    if (primed)
                    {
                        // After an event of the CLI's shape, which the next is read as if it had the same.
                        parser.ParseInto(Encoding.UTF8.GetBytes(layoutOf(separator + plain + "\n" + new string(' ', 40))), false, ref chars, 0, out _, out _, out _).ShouldBe(FlatEventRead.Done);
                    }
                    chars[0] = 'x';
                    chars[1] = 'y';
                    var actual = parser.ParseInto(window, final, ref chars, 2, out var end, out var length, out _);
                    var actualText = actual == FlatEventRead.Done ? length < 0 ? "invalid" : new string(chars, 2, length) : null;
                    if (actual != expected || chars[0] != 'x' || chars[1] != 'y'
                        || actual == FlatEventRead.Done && (end != expectedEnd || actualText != expectedText || parser.TimestampMs != reference.TimestampMs))
                    {
                        failures.Add($"{element[..Math.Min(60, element.Length)]} cut at {cut} ({final}, {room}, {primed}): {actual} {end} {actualText} instead of {expected} {expectedEnd} {expectedText}");
                    }
                    else if (actual == FlatEventRead.Done && parser.Newlines >= 0
                        && (parser.Newlines != bytes.AsSpan(0, end).Count((byte)'\n') || parser.LastNewline != bytes.AsSpan(0, end).LastIndexOf((byte)'\n')))
                    {
                        failures.Add($"{element[..Math.Min(60, element.Length)]} cut at {cut} ({final}, {room}, {primed}): {parser.Newlines} newlines, the last at {parser.LastNewline}");
                    }
                }
            }
        }

        failures.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("indented", "1714568720005")]
    [InlineData("minified", "1714568720005")]
    [InlineData("crlf", "1714568720005")]
    [InlineData("indented", "-1714568720005")]
    [InlineData("indented", "7")]
    public void ParseInto_TemplateButForDigitsAndChars_SameAsParseThenDecode(string layout, string timestamp)
    {
        // An event read by comparing its bytes with the one before: any byte that differs must be one the other paths
        // would read the same (a digit after a number's first, a plain char of a string), or the reference decides.
        var separator = layout == "minified" ? "," : layout == "crlf" ? ",\r\n        " : ",\n        ";
        string layoutOf(string text) => layout switch
        {
            "minified" => text.Replace("\n", "").Replace("    ", ""),
            "crlf" => text.Replace("\n", "\r\n"),
            _ => text,
        };
        string eventOf(string stream, string time, string message, string ingestion, string id) =>
            $"{{\n            \"logStreamName\": \"{stream}\",\n            \"timestamp\": {time},\n" +
            $"            \"message\": \"{message}\",\n            \"ingestionTime\": {ingestion},\n            \"eventId\": \"{id}\"\n        }}";
        var last = timestamp[^1];
        var other = (char)('0' + (last - '0' + 3) % 10);
        var time = timestamp[..^1];
        var template = eventOf("stream-a", timestamp, $"({Id}1) plain", "1714568720500", "38641714568720005");
        var variants = new List<string>
        {
            template,
            eventOf("stream-a", time + other, $"({Id}2) other \\\"text\\\"", "1714568720599", "38641714568720999"),
            eventOf("stream-b", time + other, $"({Id}1) Zoë", "1714568720500", "38641714568720005"),
            eventOf("stream-a", "0" + timestamp.TrimStart('-')[1..], "m", "1714568720500", "38641714568720005"),
            eventOf("stream-a", time + "a", "m", "1714568720500", "38641714568720005"),
            eventOf("stream-a", time + ".", "m", "1714568720500", "38641714568720005"),
            eventOf("stream-a", time + "-", "m", "1714568720500", "38641714568720005"),
            eventOf("stream-a", timestamp, "m", "17145687205e0", "38641714568720005"),
            eventOf("stream-a", timestamp, "m", "1714568720.00", "38641714568720005"),
            eventOf("stream-a", timestamp, "m", "1714568720500", "3864171456872000\\"),
            eventOf("stream-\"", timestamp, "m", "1714568720500", "38641714568720005"),
            eventOf("stream-\u0001", timestamp, "m", "1714568720500", "38641714568720005"),
            eventOf("stream-\\/", timestamp, "m", "1714568720500", "38641714568720005"),
            eventOf("stream-é", timestamp, "m", "1714568720500", "38641714568720005"),
            eventOf("stream-a", timestamp, "m", "1714568720500", "3864171456872000é"),
            eventOf("stream-aa", timestamp, "m", "1714568720500", "38641714568720005"),
            eventOf("stream-a", timestamp, "m", "1714568720500", "38641714568720005\", \"id\": \"x"),
            eventOf("Stream-a", timestamp, "m", "1714568720500", "38641714568720005"),
        };
        var failures = new List<string>();
        foreach (var variant in variants)
        {
            var bytes = Encoding.UTF8.GetBytes(layoutOf(separator + variant + "\n    ]" + new string(' ', 40)));
            foreach (var final in new[] { false, true })
            {
                var reference = new FlatEventParser();
                var expected = reference.Parse(bytes, final, out var expectedEnd);
                var expectedText = expected == FlatEventRead.Done ? Decode(reference.Message) : null;
                var parser = new FlatEventParser();
                var chars = new char[4096];
                foreach (var pass in new[] { "one pass", "same shape", "template" })
                {
                    parser.ParseInto(Encoding.UTF8.GetBytes(layoutOf(separator + template + "\n" + new string(' ', 40))), false, ref chars, 0, out _, out _, out _).ShouldBe(FlatEventRead.Done, pass);
                }
                var actual = parser.ParseInto(bytes, final, ref chars, 0, out var end, out var length, out _);
                var actualText = actual == FlatEventRead.Done ? length < 0 ? "invalid" : new string(chars, 0, length) : null;
                if (actual != expected || actual == FlatEventRead.Done && (end != expectedEnd || actualText != expectedText || parser.TimestampMs != reference.TimestampMs))
                {
                    failures.Add($"{variant} ({final}): {actual} {end} {actualText} {parser.TimestampMs} instead of {expected} {expectedEnd} {expectedText} {reference.TimestampMs}");
                }
                else if (actual == FlatEventRead.Done && parser.Newlines >= 0
                    && (parser.Newlines != bytes.AsSpan(0, end).Count((byte)'\n') || parser.LastNewline != bytes.AsSpan(0, end).LastIndexOf((byte)'\n')))
                {
                    failures.Add($"{variant} ({final}): {parser.Newlines} newlines, the last at {parser.LastNewline}");
                }
            }
        }

        failures.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("(a1b2c3d4-0000) plain", "(a1b2c3d4-0000) plain")]
    [InlineData("(a1b2c3d4-0000) body: {\\\"ok\\\":true} \\/ \\t", "(a1b2c3d4-0000) body: {\"ok\":true} / \t")]
    public void ParseInto_CliEventWithRoomAfterIt_DecodedInOnePass(string escaped, string message)
    {
        // Only the one-pass reading knows that there is no backslash: the common case must not take the reference parse.
        var bytes = Encoding.UTF8.GetBytes(",\n        " + Event(5, escaped) + "\n    ]\n}\n" + new string(' ', 20));
        var parser = new FlatEventParser();
        var chars = new char[256];

        parser.ParseInto(bytes, final: false, ref chars, 0, out var consumed, out var length, out var noBackslash).ShouldBe(FlatEventRead.Done);

        noBackslash.ShouldBeTrue();
        parser.Newlines.ShouldBe(7);
        parser.LastNewline.ShouldBe(bytes.AsSpan(0, consumed).LastIndexOf((byte)'\n'));
        new string(chars, 0, length).ShouldBe(message);
        parser.TimestampMs.ShouldBe(1714568720005);
        Encoding.UTF8.GetString(bytes, consumed, bytes.Length - consumed).ShouldStartWith("\n    ]");
    }

    [Theory]
    [InlineData("1714568720005")]
    [InlineData("1000000000000")]
    [InlineData("9999999999999")]
    [InlineData("1234567890123")]
    [InlineData("-1714568720005")]
    [InlineData("171456872000")]
    [InlineData("17145687200051")]
    [InlineData("0")]
    public void ParseInto_Timestamp_SameValueAsTheTokeniser(string timestamp)
    {
        // 13 digits (the times of this century) are read 8 at a time: every digit in its place, in both fast paths.
        var bytes = Encoding.UTF8.GetBytes(",\n        " + Event(5, "(a1b2c3d4-0000) plain", timestamp) + "\n    ]\n}\n" + new string(' ', 20));
        var parser = new FlatEventParser();
        var chars = new char[256];

        foreach (var pass in new[] { "one pass", "same shape" })
        {
            parser.ParseInto(bytes, final: false, ref chars, 0, out _, out _, out _).ShouldBe(FlatEventRead.Done, pass);
            parser.TimestampMs.ShouldBe(long.Parse(timestamp), pass);
        }
    }

    private static string Decode(ReadOnlySpan<byte> utf8)
    {
        var chars = new char[utf8.Length];
        return Utf8.ToUtf16(utf8, chars, out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done ? new string(chars, 0, written) : "invalid";
    }
}
