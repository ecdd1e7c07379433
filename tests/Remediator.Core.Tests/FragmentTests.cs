using Remediator.Core.Diagnosis;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>
/// Fragments people paste (issue 12, item 7) and one problem, one finding (item 12): the decisive text decides
/// however little of the line survived, and requests that share cause, route and function are one finding.
/// </summary>
public class FragmentTests
{
    [Theory]
    // The phrase without "Lambda execution failed with status 200 due to" in front.
    [InlineData("customer function error: Cannot find module 'pg'. Lambda request id: 7c1467b6-79f9-4222-9873-899008ab2e64\nMethod completed with status: 502",
        Cause.FunctionError, 502)]
    [InlineData("Malformed Lambda proxy response\nMethod completed with status: 502", Cause.MalformedProxyResponse, 502)]
    [InlineData("Invalid permissions on Lambda function\nMethod completed with status: 500", Cause.MissingInvokePermission, 500)]
    // One line of the CLI's JSON: the events joined by literal "\n" escapes, the key and quotes still around them.
    [InlineData("\"message\": \"(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Execution failed due to configuration error: Malformed Lambda proxy response\\n(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Method completed with status: 502\\n\",",
        Cause.MalformedProxyResponse, 502)]
    [InlineData("(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Execution failed due to a timeout error\\n(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Method completed with status: 504",
        Cause.IntegrationTimeout, 504)]
    // A phrase cut by a literal "\n" (the message wrapped where it was written, then pasted from the CLI's JSON):
    // rejoined at a word break or inside a word.
    [InlineData("\"message\": \"(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Execution failed due to configuration error: Malformed Lambda\\nproxy response\\n(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Method completed with status: 502\\n\",",
        Cause.MalformedProxyResponse, 502)]
    [InlineData("(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Execution failed due to configuration error: Invalid permissions on Lam\\nbda function\\n(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Method completed\\nwith status: 500",
        Cause.MissingInvokePermission, 500)]
    [InlineData("(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Execution failed due to an vpc link \\nerror", Cause.IntegrationEndpointError, null)]
    // A status cut off mid-number: its first digit says 5xx, the exact code is not guessed.
    [InlineData("(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Execution failed due to configuration error: Malformed Lambda proxy response\n(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Method completed with status: 50",
        Cause.MalformedProxyResponse, null)]
    [InlineData("(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Method completed with status: 5", Cause.Unknown, null)]
    public void Diagnose_Fragment_DecisiveTextDecides(string text, Cause cause, int? status)
    {
        var finding = Fixtures.DiagnoseText(text).Findings.ShouldHaveSingleItem();

        finding.Cause.ShouldBe(cause);
        finding.Status.ShouldBe(status);
        if (text.Contains("status: 5\n", StringComparison.Ordinal) || text.EndsWith("status: 5", StringComparison.Ordinal) || text.EndsWith("status: 50", StringComparison.Ordinal))
        {
            finding.Note!.ShouldContain("cut off");
        }
    }

    [Fact]
    public void Diagnose_EscapedNewlinesInsideABody_StayInTheBody()
    {
        // A JSON body's own "\n" escapes are not event breaks: the error type and message still come out of it.
        var text = """
            (390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Endpoint response body before transformations: {"errorType":"Runtime.ImportModuleError","errorMessage":"Error: Cannot find module 'pg'\nRequire stack:\n- /var/task/index.js"}
            (390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Lambda execution failed with status 200 due to customer function error: Error: Cannot find module 'pg'. Lambda request id: 7c1467b6-79f9-4222-9873-899008ab2e64
            (390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Method completed with status: 502
            """;
        var finding = Fixtures.DiagnoseText(text).Findings.ShouldHaveSingleItem();

        finding.Cause.ShouldBe(Cause.FunctionError);
        finding.ErrorType.ShouldBe("Runtime.ImportModuleError");
    }

    [Theory]
    [InlineData(@"Malformed Lambda\nproxy response", "Malformed Lambda proxy response")]
    [InlineData(@"Malformed Lambda \nproxy response", "Malformed Lambda proxy response")]
    [InlineData(@"Task timed ou\nt after 3.00 seconds", "Task timed out after 3.00 seconds")]
    // Escapes that complete no phrase (a body's own newlines) stay.
    [InlineData(@"{""errorMessage"":""Error: Cannot find module 'pg'\nRequire stack:""}", @"{""errorMessage"":""Error: Cannot find module 'pg'\nRequire stack:""}")]
    [InlineData(@"Method completed with status: 502\n", @"Method completed with status: 502\n")]
    public void RejoinSplitPhrases_OnlyWhereAPhraseBecomesWhole(string text, string expected)
    {
        Remediator.Core.Ingest.LineNormalizer.RejoinSplitPhrases(text).ShouldBe(expected);
    }

    [Fact]
    public void Diagnose_StatusCutOffBelow5xx_NoFinding()
    {
        Fixtures.DiagnoseText("(390d8143-7fd5-4e3b-97f7-0c79e48cf9d3) Method completed with status: 2").Findings.ShouldBeEmpty();
    }

    private const string Source = "(a1000000-0000-4000-8000-000000000001) Verifying Usage Plan for request: a1000000-0000-4000-8000-000000000001. API Key:  API Stage: a1b2c3d4e5/prod";

    private static string Failing(string id) => $"""
        ({id}) HTTP Method: POST, Resource Path: /orders
        ({id}) Endpoint request URI: https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders-api/invocations
        ({id}) Execution failed due to configuration error: Malformed Lambda proxy response
        ({id}) Method completed with status: 502
        """;

    [Fact]
    public void Diagnose_OnlyFirstRequestNamesTheApi_OneFinding()
    {
        // Pastes keep the usage-plan line (API and stage) for the first request only; the others are the same problem.
        var text = string.Join('\n', Source, Failing("a1000000-0000-4000-8000-000000000001"),
            Failing("a1000000-0000-4000-8000-000000000002"), Failing("a1000000-0000-4000-8000-000000000003"));
        var result = Fixtures.DiagnoseText(text);

        var finding = result.Findings.ShouldHaveSingleItem();
        finding.Count.ShouldBe(3);
        finding.Key.ApiId.ShouldBe("a1b2c3d4e5");
        finding.Key.Stage.ShouldBe("prod");
        finding.RequestIds.Count.ShouldBe(3);
        result.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Diagnose_SeveralApisAndUnattributedRequests_KeptApartAndSaid()
    {
        var other = "(b2000000-0000-4000-8000-000000000001) Verifying Usage Plan for request: b2000000-0000-4000-8000-000000000001. API Key:  API Stage: z9y8x7w6v5/prod";
        var text = string.Join('\n', Source, Failing("a1000000-0000-4000-8000-000000000001"), other, Failing("b2000000-0000-4000-8000-000000000001"),
            Failing("c3000000-0000-4000-8000-000000000001"));
        var result = Fixtures.DiagnoseText(text);

        result.Findings.Count.ShouldBe(3);
        var unattributed = result.Findings.Single(f => f.Key.ApiId is null);
        unattributed.Note!.ShouldContain("unattributed");
        unattributed.Note!.ShouldContain("a1b2c3d4e5/prod");
        unattributed.Note!.ShouldContain("z9y8x7w6v5/prod");
        result.Warnings.ShouldHaveSingleItem().ShouldContain("unattributed");
    }
}
