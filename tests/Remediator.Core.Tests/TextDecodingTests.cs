using System.Text;
using Remediator.Core.Ingest;
using Remediator.Core.Report;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>
/// How bytes become text: the text export's own UTF-8 reader gives the chars a <see cref="StreamReader"/> gives
/// (invalid and cut sequences included), and a UTF-8 byte order mark in front of any shape changes nothing.
/// </summary>
public class TextDecodingTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(7, 5)]
    [InlineData(4093, 1 << 16)]
    [InlineData(1 << 20, 1 << 20)]
    public void Utf8TextReader_RandomBytes_SameCharsAsStreamReader(int chunk, int readChars)
    {
        var random = new Random(26);
        for (var i = 0; i < 300; i++)
        {
            var bytes = RandomUtf8Ish(random, random.Next(0, i < 290 ? 600 : 600_000));

            Decode(new Utf8TextReader(new TrickleStream(bytes, chunk)), readChars).ShouldBe(Decode(StreamReaderOf(bytes), readChars), $"input {i}");
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98 })]        // a four-byte sequence cut at the end
    [InlineData(new byte[] { 0x41, 0xE2, 0x80 })]        // a three-byte one
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80, 0x41 })]  // a surrogate encoded in UTF-8
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98, 0x80, 0xF0, 0x9F, 0x98, 0x80 })]
    public void Utf8TextReader_EdgeSequencesOneCharAtATime_SameCharsAsStreamReader(byte[] bytes)
    {
        using var reader = new Utf8TextReader(new TrickleStream(bytes, 1));
        reader.Peek().ShouldBe(StreamReaderOf(bytes).Peek());

        Decode(reader, 1).ShouldBe(Decode(StreamReaderOf(bytes), 1));
    }

    [Fact]
    public void Detect_Utf8ByteOrderMarkThenJson_TheJsonShape()
    {
        byte[] json = [0xEF, 0xBB, 0xBF, .. "{\"events\": [], \"searchedLogStreams\": []}"u8];

        InputReader.Detect(json, whole: true).ShouldBe(InputShape.JsonObject);
    }

    [Theory]
    [InlineData("causes/malformed_proxy_response__filter-log-events.json")]
    [InlineData("causes/malformed_proxy_response__execution.log")]
    [InlineData("causes/malformed_proxy_response__data-message.json")]
    [InlineData("causes/malformed_proxy_response__insights__with-log.csv")]
    public void ReadInto_Utf8ByteOrderMarkInFront_SameFindingsAsWithout(string fixture)
    {
        var bytes = File.ReadAllBytes(Fixtures.PathOf(fixture));

        var withMark = Diagnosis([0xEF, 0xBB, 0xBF, .. bytes]);

        withMark.ShouldBe(Diagnosis(bytes));
        withMark.ShouldContain("\"cause\":\"malformed_proxy_response\"");
    }

    [Fact]
    public void ReadInto_Utf8ByteOrderMarkInFrontOfALargeExport_SameFindingsAsWithout()
    {
        // Past the first block of the text scanner, with multibyte characters falling on its edges.
        var bytes = Encoding.UTF8.GetBytes(DeferringScanTests.Export(1_200_000, "\n"));

        var withMark = Diagnosis([0xEF, 0xBB, 0xBF, .. bytes]);

        withMark.ShouldBe(Diagnosis(bytes));
        withMark.ShouldContain("\"failed\":");
    }

    [Fact]
    public void ReadInto_Utf16ByteOrderMark_ReadAsUtf16AsBefore()
    {
        // ASCII bytes after a UTF-16 mark (no zero byte, so not taken as binary): a StreamReader that detects the mark
        // reads them as UTF-16, two bytes a char, and finds nothing; read as UTF-8 they would be a failing request.
        const string id = "0c1d2e3f-0000-4000-8000-000000000001";
        var text = $"x\n({id}) Execution failed due to configuration error: Malformed Lambda proxy response\n({id}) Method completed with status: 502\n";
        var ascii = Encoding.ASCII.GetBytes(text.Length % 2 == 0 ? text : text + " ");
        byte[] marked = [0xFF, 0xFE, .. ascii];

        DeferringScanTests.RecordByRecord(ascii).ShouldContain("\"failed\":1");
        DeferringScanTests.Deferred(marked, 7).ShouldBe(DeferringScanTests.RecordByRecord(marked));
        DeferringScanTests.Deferred(marked, 7).ShouldNotContain("\"failed\":1");
    }

    [Theory]
    [InlineData(40_000)]   // longer than what the scanner asks of the reader at a time
    [InlineData(262_143)]  // one char under the line cap
    [InlineData(300_000)]  // past the cap: the line reader takes over from the line before
    public void ReadInto_ALineLongerThanARefill_SameDiagnosisAsRecordByRecord(int chars)
    {
        var lines = DeferringScanTests.Export(600_000, "\n").Split('\n').ToList();
        var at = lines.Count / 2;
        var id = lines[at][1..lines[at].IndexOf(')')];
        lines.Insert(at + 1, $"({id}) Method request body before transformations: " + new string('x', chars));
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines));

        var deferred = DeferringScanTests.Deferred(bytes, 1 << 16);

        deferred.ShouldBe(DeferringScanTests.RecordByRecord(bytes));
        deferred.ShouldContain("\"failed\":");
    }

    private static string Diagnosis(byte[] bytes)
    {
        var builder = new Diagnosis.DiagnosisBuilder();
        InputReader.ReadInto(new TrickleStream(bytes, 4093), LogContext.For("x"), builder);
        return JsonReport.ToJson(builder.Build(), indented: false);
    }

    private static StreamReader StreamReaderOf(byte[] bytes) =>
        new(new MemoryStream(bytes), new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: false, 64 * 1024);

    private static string Decode(TextReader reader, int readChars)
    {
        var text = new StringBuilder();
        var buffer = new char[readChars];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            text.Append(buffer, 0, read);
        }
        return text.ToString();
    }

    /// <summary>Mostly ASCII with two- to four-byte characters, and now and then a byte that breaks a sequence.</summary>
    private static byte[] RandomUtf8Ish(Random random, int chars)
    {
        var text = new StringBuilder();
        string[] pieces = ["a", "(id) ", "\n", "é", "…", "😀", "\u0800", "\uFFFD"];
        while (text.Length < chars)
        {
            text.Append(pieces[random.Next(pieces.Length)]);
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        for (var k = random.Next(0, 4); k > 0 && bytes.Length > 0; k--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(0x80, 0x100);
        }
        if (bytes.Length > 0 && random.Next(4) == 0)
        {
            bytes = bytes[..random.Next(bytes.Length)]; // cut anywhere, inside a sequence too
        }
        return bytes;
    }
}
