using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Notify;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>API ids, stages, accounts and regions from logs and group names are used only in AWS's shapes.</summary>
public class LogValueValidationTests
{
    [Theory]
    [InlineData("us-east-1", true)]
    [InlineData("us-gov-west-1", true)]
    [InlineData("cn-northwest-1", true)]
    [InlineData("ap-southeast-12", true)]
    [InlineData("us-east-1*", false)]
    [InlineData("*", false)]
    [InlineData("us-east", false)]
    [InlineData("US-EAST-1", false)]
    [InlineData("us-east-1/../x", false)]
    [InlineData("u-east-1", false)]
    [InlineData("us--1", false)]
    [InlineData("us-east-", false)]
    [InlineData("us-east-1-", false)]
    [InlineData("us-east-123", false)]
    [InlineData("us-1-1", false)]
    [InlineData("useast-1", false)]
    [InlineData("us-gov--west-1", false)]
    [InlineData("us-east-1x", false)]
    public void IsRegion_Shapes_OnlyRealRegionShapes(string region, bool valid) => AwsNames.IsRegion(region).ShouldBe(valid);

    [Theory]
    [InlineData("123456789012", true)]
    [InlineData("12345678901", false)]
    [InlineData("1234567890123", false)]
    [InlineData("12345678901*", false)]
    public void IsAccountId_Shapes_TwelveDigitsOnly(string account, bool valid) => AwsNames.IsAccountId(account).ShouldBe(valid);

    [Theory]
    [InlineData("prod", true)]
    [InlineData("Prod_v-2", true)]
    [InlineData("$default", true)]
    [InlineData("$default2", false)]
    [InlineData("", false)]
    [InlineData("pr*d", false)]
    [InlineData("prod/x", false)]
    [InlineData("pröd", false)]
    public void IsStageName_Shapes_LettersDigitsDashUnderscore(string stage, bool valid)
    {
        AwsNames.IsStageName(stage).ShouldBe(valid);
        AwsNames.IsStageName(stage.AsSpan()).ShouldBe(valid);
    }

    [Fact]
    public void IsStageName_Length_AtMost128()
    {
        AwsNames.IsStageName(new string('s', 128)).ShouldBeTrue();
        AwsNames.IsStageName(new string('s', 129)).ShouldBeFalse();
        AwsNames.IsStageName((string?)null).ShouldBeFalse();
    }

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:books", "arn:aws:lambda:us-east-1:123456789012:function:books", null)]
    [InlineData("  arn:aws-cn:lambda:cn-north-1:123456789012:function:books:live ", "arn:aws-cn:lambda:cn-north-1:123456789012:function:books", "live")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:books:$LATEST", "arn:aws:lambda:us-east-1:123456789012:function:books", "$LATEST")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:bo*ks", null, null)]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:books:", null, null)]
    [InlineData("arn:aws:lambda:*:123456789012:function:books", null, null)]
    public void FunctionRefParts_Arn_AgreeWithTheRecord(string text, string? arn, string? qualifier)
    {
        var parsed = FunctionRef.TryParse(text, out var parts);
        var function = FunctionRef.TryParse(text);

        parsed.ShouldBe(function is not null);
        function?.Arn.ShouldBe(arn);
        function?.Qualifier.ShouldBe(qualifier);
        if (parsed)
        {
            parts.Arn.ToString().ShouldBe(function!.Arn);
            (parts.Qualifier.IsEmpty ? null : parts.Qualifier.ToString()).ShouldBe(function.Qualifier);
            parts.Region.ToString().ShouldBe(function.Region);
            parts.AccountId.ToString().ShouldBe(function.AccountId);
            parts.Partition.ToString().ShouldBe(function.Partition);
            parts.Name.ToString().ShouldBe(function.Name);
        }
    }

    [Theory]
    [InlineData("https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:books:live/invocations")]
    [InlineData("https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Abooks/invocations")]
    public void FunctionRefParts_InvokeUri_AgreeWithTheRecord(string uri)
    {
        FunctionRef.FromInvokeUri(uri, out var parts).ShouldBeTrue();
        var function = FunctionRef.FromInvokeUri(uri)!;

        parts.Arn.ToString().ShouldBe(function.Arn);
        (parts.Qualifier.IsEmpty ? null : parts.Qualifier.ToString()).ShouldBe(function.Qualifier);
        parts.Region.ToString().ShouldBe(function.Region);
    }

    [Fact]
    public void LogValues_SameValue_OneString()
    {
        var line = "(id) Execution failed due to a timeout error (id)";
        var first = LogValues.Of(line.AsSpan(5, 39));
        var second = LogValues.Of(("x" + line).AsSpan(6, 39));

        first.ShouldBe("Execution failed due to a timeout error");
        second.ShouldBeSameAs(first);
        LogValues.Of([]).ShouldBe("");
        LogValues.Of(new string('b', 600)).ShouldBe(new string('b', 600));
    }

    [Fact]
    public void FindingKeyOf_EqualFailures_EqualKeysWhateverTheCache()
    {
        FailedRequest Failure(string path, FailureReason? reason = null) => new()
        {
            Cause = Cause.AuthorizerFailure, Reason = reason, LogKind = LogKind.Execution, ApiId = "a1b2c3d4e5", Stage = "prod",
            HttpMethod = "GET", ResourcePath = path, FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:auth",
        };
        var keys = Enumerable.Range(0, 300).Select(i => FindingKey.Of(Failure($"/p{i % 150}", i % 3 == 0 ? FailureReason.Threw : null))).ToList();

        for (var i = 0; i < 300; i++)
        {
            var expected = new FindingKey(Cause.AuthorizerFailure, "a1b2c3d4e5", "prod", "GET", $"/p{i % 150}", null,
                "arn:aws:lambda:us-east-1:123456789012:function:auth", null, i % 3 == 0 ? FailureReason.Threw : null);
            keys[i].ShouldBe(expected);
        }
        FindingKey.Of(Failure("/x")).ShouldBeSameAs(FindingKey.Of(Failure("/x")));
    }

    [Theory]
    [InlineData("API-Gateway-Execution-Logs_*/prod", null, null)]
    [InlineData("API-Gateway-Execution-Logs_a1b2c3d4e5/pr*d", "a1b2c3d4e5", null)]
    [InlineData("API-Gateway-Execution-Logs_a1b2c3d4e5/prod/Canary", "a1b2c3d4e5", "prod")]
    [InlineData("API-Gateway-Execution-Logs_a1b2c3d4e5x1b2c3d4e5x1b2c3d4e5x1b2/prod", null, null)]
    public void LogContext_GroupName_IdAndStageOnlyInTheirShapes(string group, string? apiId, string? stage)
    {
        var context = new LogContext(group, null, "test");

        context.ApiId.ShouldBe(apiId);
        context.Stage.ShouldBe(stage);
    }

    [Fact]
    public void Diagnose_AccessLogWithWildcardApiIdAndForgedStage_NeitherTaken()
    {
        var line = """{"requestId":"11111111-2222-3333-4444-555555555555","status":"502","apiId":"*","stage":"prod/../x","httpMethod":"GET","resourcePath":"/books","responseType":"INTEGRATION_FAILURE"}""";

        var finding = Fixtures.DiagnoseText(line).Findings.ShouldHaveSingleItem();

        finding.Key.ApiId.ShouldBeNull();
        finding.Key.Stage.ShouldBeNull();
    }

    [Fact]
    public void Build_FindingWithForgedIds_NoneReachTheMessage()
    {
        var finding = Fixtures.Diagnose("causes/missing_invoke_permission__execution.log").Findings.ShouldHaveSingleItem();
        finding = finding with { Key = finding.Key with { ApiId = "*", Stage = "*" }, AccountId = "*", Region = "*" };

        var clean = FindingSanitizer.Clean(finding);
        var message = FindingMessages.Build(finding, new AlertContext(null, null, 0, null));

        clean.Key.ApiId.ShouldBeNull();
        clean.Key.Stage.ShouldBeNull();
        clean.AccountId.ShouldBeNull();
        clean.Region.ShouldBeNull();
        message.Machine.ShouldNotContain("\"apiId\":\"*\"");
        message.Email.ShouldNotContain("execute-api:*");
        message.Email.ShouldNotContain(":*:*");
    }
}
