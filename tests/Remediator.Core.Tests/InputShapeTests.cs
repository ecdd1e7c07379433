using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>
/// The shapes people get logs in (issue 12, item 9): fixtures/shapes holds fixtures/mixed/interleaved.log as
/// <c>aws logs tail</c> prints it (formatted by awscli 2.9's own formatter classes, customizations/logs/tail.py),
/// with the group in front, as console copies with row numbers, tabs, both or pipes, and with shortened ids. Each must
/// give the findings the clean export gives.
/// </summary>
public class InputShapeTests
{
    private const string Clean = "mixed/interleaved.log";

    public static TheoryData<string> Shapes
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var file in Directory.GetFiles(Path.Combine(Fixtures.Root, "shapes"), "interleaved__*").Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(Fixtures.Root, file));
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Diagnose_Shape_SameFindingsAsCleanExport(string fixture)
    {
        var clean = Fixtures.Diagnose(Clean);
        var shaped = Fixtures.Diagnose(fixture);

        shaped.Summary.ShouldBe(clean.Summary);
        Project(shaped).ShouldBe(Project(clean));
        shaped.Warnings.ShouldBeEmpty();
        // Shortened ids stay the requests they shorten: each sample id is the start of one of the clean ids.
        var cleanIds = clean.Findings.SelectMany(f => f.RequestIds).ToList();
        foreach (var id in shaped.Findings.SelectMany(f => f.RequestIds))
        {
            cleanIds.Count(c => LineNormalizer.CouldBeSame(id, c)).ShouldBe(1, id);
        }
    }

    private static List<string> Project(DiagnosisResult result) =>
        result.Findings.Select(f => $"{f.Id} {f.Cause.ToName()} {f.Count} {f.Status} {f.Key} {f.ErrorType} {f.Evidence}").Order(StringComparer.Ordinal).ToList();

    [Theory]
    // aws logs tail, default (detailed) format: awscli's timestamp.isoformat(timespec='microseconds'), the stream, the message.
    [InlineData("2024-05-02T16:09:42.123000+00:00 8f14e45fceea167a5a36dedd4bea2543 (a8d3a6db-9d36-4a29-8e87-b25dfe593bc2) Method completed with status: 502",
        "a8d3a6db-9d36-4a29-8e87-b25dfe593bc2", null, "Method completed with status: 502")]
    // --format short: "%Y-%m-%dT%H:%M:%S", no stream.
    [InlineData("2024-05-02T16:09:42 (a8d3a6db-9d36-4a29-8e87-b25dfe593bc2) Method completed with status: 502",
        "a8d3a6db-9d36-4a29-8e87-b25dfe593bc2", null, "Method completed with status: 502")]
    // --color on: ANSI green time and cyan stream.
    [InlineData("\u001b[32m2024-05-02T16:09:42.123000+00:00\u001b[0m \u001b[36m8f14e45fceea167a5a36dedd4bea2543\u001b[0m (a8d3a6db-9d36-4a29-8e87-b25dfe593bc2) Method completed with status: 502",
        "a8d3a6db-9d36-4a29-8e87-b25dfe593bc2", null, "Method completed with status: 502")]
    // The group in front (awslogs, tails of several groups pasted together).
    [InlineData("API-Gateway-Execution-Logs_a1b2c3d4e5/prod 2024-05-02T16:09:42.123000+00:00 8f14e45fceea167a5a36dedd4bea2543 (a8d3a6db-9d36-4a29-8e87-b25dfe593bc2) Method completed with status: 502",
        "a8d3a6db-9d36-4a29-8e87-b25dfe593bc2", "API-Gateway-Execution-Logs_a1b2c3d4e5/prod", "Method completed with status: 502")]
    // An access-log group of its owner's naming, before the whole of the detailed format (a time, then a stream).
    [InlineData("books-api-access-logs 2024-05-02T16:09:42.123000+00:00 c9f0f895fb98ab9156f5a0b47e7b1e2a {\"requestId\":\"x\",\"status\":\"502\"}",
        null, "books-api-access-logs", "{\"requestId\":\"x\",\"status\":\"502\"}")]
    [InlineData("/aws/lambda/orders-api 2024/05/02/[$LATEST]8f14e45fceea167a5a36dedd4bea2543 START RequestId: 4299ee26-8d1d-4ea9-bd43-77b85ed96cfe Version: $LATEST",
        null, "/aws/lambda/orders-api", "START RequestId: 4299ee26-8d1d-4ea9-bd43-77b85ed96cfe Version: $LATEST")]
    // Console copies: row numbers, tabs, both, pipes.
    [InlineData("12 2024-05-02T16:09:42.123Z (a8d3a6db-9d36-4a29-8e87-b25dfe593bc2) Method completed with status: 502",
        "a8d3a6db-9d36-4a29-8e87-b25dfe593bc2", null, "Method completed with status: 502")]
    [InlineData("12\t2024-05-02T16:09:42.123Z\t(a8d3a6db-9d36-4a29-8e87-b25dfe593bc2) Method completed with status: 502",
        "a8d3a6db-9d36-4a29-8e87-b25dfe593bc2", null, "Method completed with status: 502")]
    [InlineData("  | 2022-10-04T12:23:04.626-04:00 | END RequestId: c2c3b330-0e87-40ec-a490-884dc5f81a3f",
        null, null, "END RequestId: c2c3b330-0e87-40ec-a490-884dc5f81a3f")]
    [InlineData("2023-10-27T14:40:57.744+01:00 | (a4188e34-1104-424e-9907-eebbf55dd662) Method completed with status: 400",
        "a4188e34-1104-424e-9907-eebbf55dd662", null, "Method completed with status: 400")]
    // Shortened ids, kept as written.
    [InlineData("(4f2a...) Execution failed due to a timeout error", "4f2a...", null, "Execution failed due to a timeout error")]
    [InlineData("(4f2a…9e1f) Execution failed due to a timeout error", "4f2a…9e1f", null, "Execution failed due to a timeout error")]
    // The console's test output with a row number or a time in front; its weekday need not match the date (AWS's own article has a Thursday 4 May 2024).
    [InlineData("3 Thu May 04 17:48:21 UTC 2024 : Method completed with status: 500", null, null, "Method completed with status: 500")]
    [InlineData("2024-05-02T16:09:42.123Z Thu Apr 05 11:12:53 UTC 2018 : Method completed with status: 500", null, null, "Method completed with status: 500")]
    // A number that is not a row number stays.
    [InlineData("502 Bad Gateway", null, null, "502 Bad Gateway")]
    public void Normalize_ToolAndConsolePrefixes_Stripped(string line, string? requestId, string? group, string text)
    {
        var n = LineNormalizer.Normalize(line);

        n.Skip.ShouldBeFalse();
        n.RequestId.ShouldBe(requestId);
        n.LogGroup.ShouldBe(group);
        n.Text.ShouldBe(text);
    }

    [Theory]
    [InlineData("-- | --")]
    [InlineData("--")]
    public void Normalize_ConsoleRulers_Skipped(string line) => LineNormalizer.Normalize(line).Skip.ShouldBeTrue();

    [Fact]
    public void Diagnose_TailWithGroupInFront_GroupGivesApiAndStage()
    {
        var text = """
            API-Gateway-Execution-Logs_q1w2e3r4t5/dev 2024-05-02T16:09:42.123000+00:00 8f14e45fceea167a5a36dedd4bea2543 (7f1b2c3d-9d36-4a29-8e87-b25dfe593bc2) Execution failed due to configuration error: Malformed Lambda proxy response
            API-Gateway-Execution-Logs_q1w2e3r4t5/dev 2024-05-02T16:09:42.124000+00:00 8f14e45fceea167a5a36dedd4bea2543 (7f1b2c3d-9d36-4a29-8e87-b25dfe593bc2) Method completed with status: 502
            """;
        var finding = Fixtures.DiagnoseText(text).Findings.ShouldHaveSingleItem();

        finding.Key.ApiId.ShouldBe("q1w2e3r4t5");
        finding.Key.Stage.ShouldBe("dev");
        finding.LogGroup.ShouldBe("API-Gateway-Execution-Logs_q1w2e3r4t5/dev");
    }

    [Fact]
    public void Diagnose_SameShortenedIdForThreeRequests_UnknownWithNoteAndWarning()
    {
        // Two malformed responses and a timeout whose ids were all shortened to "(4f2a...)": one "request" with three
        // completions and two causes. The log cannot say which failed how: no cause is guessed.
        var text = """
            (4f2a...) Execution failed due to configuration error: Malformed Lambda proxy response
            (4f2a...) Method completed with status: 502
            (4f2a...) Execution failed due to configuration error: Malformed Lambda proxy response
            (4f2a...) Method completed with status: 502
            (4f2a...) Execution failed due to a timeout error (integration timeout)
            (4f2a...) Method completed with status: 504
            """;
        var result = Fixtures.DiagnoseText(text);

        var finding = result.Findings.ShouldHaveSingleItem();
        finding.Cause.ShouldBe(Cause.Unknown);
        finding.Note.ShouldNotBeNull();
        finding.Note.ShouldContain("ambiguous");
        finding.Note.ShouldContain("malformed_proxy_response");
        finding.Note.ShouldContain("integration_timeout");
        result.Warnings.ShouldHaveSingleItem().ShouldContain("3 completions (502, 502, 504)");
    }

    [Fact]
    public void Diagnose_SameShortenedIdSameCause_CauseKeptWithNote()
    {
        var text = """
            (4f2a...) Execution failed due to configuration error: Malformed Lambda proxy response
            (4f2a...) Method completed with status: 502
            (4f2a...) Execution failed due to configuration error: Malformed Lambda proxy response
            (4f2a...) Method completed with status: 502
            """;
        var result = Fixtures.DiagnoseText(text);

        var finding = result.Findings.ShouldHaveSingleItem();
        finding.Cause.ShouldBe(Cause.MalformedProxyResponse);
        finding.Status.ShouldBe(502);
        finding.Note!.ShouldContain("counted as one request");
        result.Warnings.ShouldNotBeEmpty();
    }

    [Fact]
    public void Diagnose_DifferentShortenedIds_DifferentRequests()
    {
        var text = """
            (4f2a...) Execution failed due to configuration error: Malformed Lambda proxy response
            (9c1e...) Execution failed due to configuration error: Malformed Lambda proxy response
            (4f2a...) Method completed with status: 502
            (9c1e...) Method completed with status: 502
            (77d0...) Execution failed due to a timeout error
            (77d0...) Method completed with status: 504
            """;
        var result = Fixtures.DiagnoseText(text);

        result.Summary.Requests.ShouldBe(3);
        result.Findings.Single(f => f.Cause == Cause.MalformedProxyResponse).Count.ShouldBe(2);
        result.Findings.Single(f => f.Cause == Cause.IntegrationTimeout).Count.ShouldBe(1);
        result.Warnings.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("(4f2a...)", "(4f2a8b...)")]
    [InlineData("(4f2a...)", "(4f2a8b1c-1111-2222-3333-444444444444)")]
    public void Diagnose_ShortenedIdsThatCouldBeOne_TwoRequestsAndAWarning(string a, string b)
    {
        var text = $"""
            {a} Execution failed due to configuration error: Malformed Lambda proxy response
            {a} Method completed with status: 502
            {b} Execution failed due to configuration error: Malformed Lambda proxy response
            {b} Method completed with status: 502
            """;
        var result = Fixtures.DiagnoseText(text);

        result.Summary.Requests.ShouldBe(2);
        result.Warnings.ShouldHaveSingleItem().ShouldContain("could be the same request");
    }
}
