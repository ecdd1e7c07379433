using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>The families of issue 12: Lambda's Invoke errors, authorizers, credentials roles, gateway responses, no false alarms.</summary>
public class CauseFamilyTests
{
    /// <summary>The Invoke operation's errors from a trimmed copy of the Lambda service model (source noted in the file).</summary>
    public static TheoryData<string> ModelInvokeErrors() => [.. ModelNames()];

    private static List<string> ModelNames()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.PathOf("model/lambda-invoke-errors.json")));
        return doc.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();
    }

    [Theory]
    [MemberData(nameof(ModelInvokeErrors))]
    public void InvokeErrors_EveryErrorOfTheLambdaModel_HasADecisivePhraseACauseAndAdvice(string name)
    {
        var error = DecisivePhrases.InvokeErrors.SingleOrDefault(e => e.Name == name).ShouldNotBeNull(name);
        error.Cause.ShouldNotBe(Cause.Unknown);
        error.Note.ShouldNotBeNullOrWhiteSpace();
        var phrase = DecisivePhrases.All.Single(p => p.Text == DecisivePhrases.PhraseOf(error));
        phrase.Role.ShouldBe(PhraseRole.Signal);
        phrase.Cause.ShouldBe(error.Cause);

        // As API Gateway shows it, in the failed invocation's response headers.
        var log = $"(4b1c2d3e-0000-4000-8000-000000000001) Endpoint response headers: {{Connection=keep-alive, x-amzn-ErrorType={name}}}\n"
            + "(4b1c2d3e-0000-4000-8000-000000000001) Method completed with status: 500";
        Fixtures.DiagnoseText(log).Findings.ShouldHaveSingleItem().Cause.ShouldBe(error.Cause, name);
    }

    [Fact]
    public void InvokeErrors_NoErrorOutsideTheModel()
    {
        var model = ModelNames().ToHashSet();
        DecisivePhrases.InvokeErrors.Select(e => e.Name).ShouldAllBe(n => model.Contains(n));
    }

    [Theory]
    [InlineData("ResourceNotFoundException")]
    [InlineData("ServiceException")]
    [InlineData("TooManyRequestsException")]
    public void Diagnose_GenericErrorNameInsideAFunctionsOwnError_StaysAFunctionError(string name)
    {
        // A function's own AWS SDK call fails with a common error name: that is the function's error, not Lambda's.
        var log = "(4b1c2d3e-0000-4000-8000-000000000002) Lambda execution failed with status 200 due to customer function error: "
            + $"An error occurred ({name}) when calling the GetItem operation: Requested resource not found. Lambda request id: 0c6b9c52-5a4b-4f0e-9f64-1b1d6c1f7a10\n"
            + "(4b1c2d3e-0000-4000-8000-000000000002) Method completed with status: 502";

        Fixtures.DiagnoseText(log).Findings.ShouldHaveSingleItem().Cause.ShouldBe(Cause.FunctionError);
    }

    [Fact]
    public void Diagnose_AuthorizerMayNotBeInvoked_IsAMissingInvokePermission()
    {
        // The repairer grants apiId/authorizers/id for this case: the permission line must win over the authorizer's.
        var log = "(4b1c2d3e-0000-4000-8000-000000000003) Execution failed due to configuration error: Invalid permissions on Lambda function\n"
            + "(4b1c2d3e-0000-4000-8000-000000000003) AuthorizerConfigurationException\n"
            + "(4b1c2d3e-0000-4000-8000-000000000003) Method completed with status: 500";

        Fixtures.DiagnoseText(log).Findings.ShouldHaveSingleItem().Cause.ShouldBe(Cause.MissingInvokePermission);
    }

    [Theory]
    [InlineData("The request for the IAM Authorizer doesn't match the format that API Gateway expects.")]
    [InlineData("(4b1c2d3e-0000-4000-8000-000000000004) Gateway response type: UNAUTHORIZED with status code: 401")]
    public void Diagnose_ClientSideDecision_IsNoFinding(string line)
    {
        Fixtures.DiagnoseText(line).Findings.ShouldBeEmpty();
    }

    [Fact]
    public void Diagnose_GatewayResponse5xx_EndsTheRequestWithItsStatus()
    {
        var log = "(4b1c2d3e-0000-4000-8000-000000000005) Execution failed due to a timeout error\n"
            + "(4b1c2d3e-0000-4000-8000-000000000005) Gateway response type: INTEGRATION_TIMEOUT with status code: 504";

        var finding = Fixtures.DiagnoseText(log).Findings.ShouldHaveSingleItem();

        finding.Cause.ShouldBe(Cause.IntegrationTimeout);
        finding.Status.ShouldBe(504);
    }

    [Fact]
    public void Diagnose_CredentialsRole_NamesTheRoleAndNeverAdvisesAResourcePolicy()
    {
        var finding = Fixtures.Diagnose("causes/credentials_role_not_assumable__execution-console.log").Findings.ShouldHaveSingleItem();

        finding.ErrorMessage.ShouldBe("arn:aws:iam::123456789012:role/portal-dev-ZappaLambdaExecutionRole");
        finding.Advice.Commands.ShouldNotContain(c => c.Text.Contains("add-permission", StringComparison.Ordinal));
        finding.Advice.Commands.ShouldContain(c => c.Text.Contains("--role-name portal-dev-ZappaLambdaExecutionRole", StringComparison.Ordinal));
    }

    [Fact]
    public void Diagnose_AccessLogIntegrationErrorTheTableDoesNotKnow_IsTheEvidenceAndNoFieldIsAskedFor()
    {
        const string message = "Execution failed due to configuration error: Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified]";
        var line = "{\"requestId\":\"0a1b2c3d-0000-4000-8000-000000000006\",\"httpMethod\":\"GET\",\"resourcePath\":\"/x\",\"status\":\"500\","
            + "\"error_responseType\":\"API_CONFIGURATION_ERROR\",\"integration_error\":\"" + message + "\"}";

        var finding = Fixtures.DiagnoseText(line).Findings.ShouldHaveSingleItem();

        finding.Cause.ShouldBe(Cause.Unknown);
        finding.Evidence.ShouldBe(message);
        finding.Advice.Summary.ShouldContain("Invalid mapping expression");
        string.Join(" ", finding.Advice.Steps).ShouldNotContain("add $context");
        (finding.Note ?? "").ShouldNotContain("add $context");
    }

    [Theory]
    // The authorizer ran into its own timeout: its result is Lambda's timeout error, not the integration's.
    [InlineData("Authorizer result body before parsing: {\"errorMessage\":\"2024-05-02T16:09:45.130Z 8c1f0e2a-5b7d-4e3a-9f6c-1d2e3f4a5b6c Task timed out after 3.00 seconds\"}",
        "timeout", "timed out")]
    [InlineData("Authorizer result body before parsing: {\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'split')\"}\n(4b1c2d3e-0000-4000-8000-000000000009) Execution failed due to configuration error: Invalid JSON in response: Unrecognized field \"errorType\" , not marked as ignorable",
        "threw", "threw an error (TypeError)")]
    [InlineData("Authorizer result body before parsing: null\n(4b1c2d3e-0000-4000-8000-000000000009) Execution failed due to configuration error: Could not parse policy",
        "invalid_response", "returned something that is not an authorizer response")]
    [InlineData("Execution failed due to configuration error: Authorizer error", "unspecified", "authorizer failed")]
    public void Diagnose_AuthorizerFailure_ReasonSaysHowAndLeadsTheAdvice(string lines, string reason, string summary)
    {
        var log = $"(4b1c2d3e-0000-4000-8000-000000000009) {lines}\n(4b1c2d3e-0000-4000-8000-000000000009) AuthorizerConfigurationException\n"
            + "(4b1c2d3e-0000-4000-8000-000000000009) Method completed with status: 500";

        var finding = Fixtures.DiagnoseText(log).Findings.ShouldHaveSingleItem();

        finding.Cause.ShouldBe(Cause.AuthorizerFailure);
        finding.Reason!.Value.ToName().ShouldBe(reason);
        finding.Advice.Summary.ShouldContain(summary);
        finding.Note.ShouldBe(DecisivePhrases.AuthorizerNote(finding.Reason.Value));
        Remediator.Core.Report.JsonReport.ToJson(Fixtures.DiagnoseText(log)).ShouldContain($"\"reason\": \"{reason}\"");
    }

    [Fact]
    public void FindingKey_Reason_SeparatesAuthorizerProblemsAndLeavesOtherIdsAsTheyWere()
    {
        var key = new FindingKey(Cause.AuthorizerFailure, "a1b2c3d4e5", "prod", "GET", "/x", null, null, null);

        (key with { Reason = FailureReason.Threw }).Id.ShouldNotBe((key with { Reason = FailureReason.InvalidResponse }).Id);
        // The id of a key without a reason is the hash it always was.
        key.Id.ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join('\u001f', "authorizer_failure", "a1b2c3d4e5", "prod", "GET", "/x", null, null, null))))[..16]);
    }

    [Theory]
    [InlineData("Execution failed due to an vpc link error")]
    [InlineData("Execution failed due to configuration error: Invalid endpoint address")]
    [InlineData("Execution failed due to a network error communicating with endpoint: Connection is closed")]
    [InlineData("Network error communicating with endpoint")]
    public void Diagnose_EndpointErrorOfANonLambdaIntegration_IsItsOwnCauseNeverLambdasAndForwarded(string line)
    {
        var alone = Fixtures.DiagnoseText($"(4b1c2d3e-0000-4000-8000-000000000007) {line}\n(4b1c2d3e-0000-4000-8000-000000000007) Method completed with status: 500");
        // With a Lambda line in the same request, the Lambda line is the more specific account of the failure.
        var withLambda = Fixtures.DiagnoseText($"(4b1c2d3e-0000-4000-8000-000000000008) Execution failed due to configuration error: Invalid permissions on Lambda function\n(4b1c2d3e-0000-4000-8000-000000000008) {line}\n(4b1c2d3e-0000-4000-8000-000000000008) Method completed with status: 500");

        var finding = alone.Findings.ShouldHaveSingleItem();
        finding.Cause.ShouldBe(Cause.IntegrationEndpointError);
        finding.Note.ShouldNotBeNullOrWhiteSpace();
        finding.Advice.Commands.ShouldNotContain(c => c.Text.Contains("lambda", StringComparison.Ordinal));
        withLambda.Findings.ShouldHaveSingleItem().Cause.ShouldBe(Cause.MissingInvokePermission);
        SubscriptionFilterTerms.Terms.ShouldContain(t => line.Contains(t, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Gateway response type: DEFAULT_5XX with status code: 500", true)]
    [InlineData("Gateway response type: UNAUTHORIZED with status code: 401", false)]
    public void Pattern_GatewayResponse_ForwardsOnly5xx(string line, bool forwarded)
    {
        SubscriptionFilterTerms.Terms.Any(t => line.Contains(t, StringComparison.Ordinal)).ShouldBe(forwarded);
    }
}
