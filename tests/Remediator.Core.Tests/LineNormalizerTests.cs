using Remediator.Core.Ingest;

namespace Remediator.Core.Tests;

/// <summary>Every prefix people and tools put before an execution-log line (api-gateway-failure-facts §2).</summary>
public class LineNormalizerTests
{
    [Theory]
    [InlineData("(8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d) Method completed with status: 502", "8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d", null, "Method completed with status: 502")]
    [InlineData("Thu Apr 05 11:12:53 UTC 2018 : Method completed with status: 502", null, "2018-04-05T11:12:53Z", "Method completed with status: 502")]
    [InlineData("2016-10-01T10:55:36.315Z Method completed with status: 502", null, "2016-10-01T10:55:36.315Z", "Method completed with status: 502")]
    [InlineData("2024-05-01 12:00:00.000\t(8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d) Method completed with status: 502", "8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d", "2024-05-01T12:00:00Z", "Method completed with status: 502")]
    [InlineData("> (8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d) Method completed with status: 502", "8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d", null, "Method completed with status: 502")]
    [InlineData("> > Method completed with status: 502", null, null, "Method completed with status: 502")]
    [InlineData("| 2024-05-01 12:00:00.000 | (8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d) Method completed with status: 502 |", "8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d", "2024-05-01T12:00:00Z", "Method completed with status: 502")]
    [InlineData("    Method completed with status: 502", null, null, "Method completed with status: 502")]
    public void Normalize_Prefixes_Stripped(string line, string? requestId, string? timestamp, string text)
    {
        var n = LineNormalizer.Normalize(line);

        n.Skip.ShouldBeFalse();
        n.RequestId.ShouldBe(requestId);
        n.Timestamp.ShouldBe(timestamp is null ? null : DateTimeOffset.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture));
        n.Text.ShouldBe(text);
    }

    [Theory]
    [InlineData("...")]
    [InlineData("   …")]
    [InlineData("")]
    [InlineData("|---|---|")]
    [InlineData("| @timestamp | @message |")]
    [InlineData("```")]
    public void Normalize_FillerLines_Skipped(string line)
    {
        LineNormalizer.Normalize(line).Skip.ShouldBeTrue();
    }

    [Theory]
    [InlineData("(8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d) Method completed with status: 502")]
    [InlineData("(8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d)    Successfully completed execution  \t\r")]
    [InlineData("(8b3b0c39)Host=a1b2c3d4e5.execute-api.us-east-1.amazonaws.com\u00a0\u2003")]
    [InlineData("(8B3B0C39-1C5E) Endpoint response body before transformations: {\"a\": \"b  \"}\n  more |  2024-05-01 12:00:00.000 | x")]
    [InlineData("(0123456789012345678901234567890123456789012345678901234567890123) | a pipe > and a quote")]
    public void PlainText_LinesTheScannersTakeAsPlain_TextAsNormalize(string line)
    {
        var close = Remediator.Core.Scan.TextExportScanner.Id(line);
        close.ShouldNotBeNull();

        var n = LineNormalizer.Normalize(line);

        LineNormalizer.PlainText(line, close.Value).ToString().ShouldBe(n.Text);
        n.RequestId.ShouldBe(line[1..close.Value]);
        n.Timestamp.ShouldBeNull();
    }
}
