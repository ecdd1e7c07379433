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
    public void IsRegion_Shapes_OnlyRealRegionShapes(string region, bool valid) => AwsNames.IsRegion(region).ShouldBe(valid);

    [Theory]
    [InlineData("123456789012", true)]
    [InlineData("12345678901", false)]
    [InlineData("1234567890123", false)]
    [InlineData("12345678901*", false)]
    public void IsAccountId_Shapes_TwelveDigitsOnly(string account, bool valid) => AwsNames.IsAccountId(account).ShouldBe(valid);

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
