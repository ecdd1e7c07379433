using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Repair;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>Red team: ids a log line can forge never reach API Gateway, Lambda, a SourceArn or a statement id.</summary>
public sealed class LogValueValidationTests : IDisposable
{
    private readonly RepairHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static Finding PermissionFinding()
    {
        using var log = File.OpenRead(TestEnvironment.Fixture("causes/missing_invoke_permission__execution.log"));
        return Diagnoser.Diagnose(log, LogContext.For("test")).Findings.ShouldHaveSingleItem() with { AccountId = "123456789012" };
    }

    [Theory]
    [InlineData("*", null, null)]
    [InlineData("a1b2c3d4e5/../x", null, null)]
    [InlineData("a1b2c3d4e5", "prod/*", null)]
    [InlineData("a1b2c3d4e5", "prod", "12345678901")]
    [InlineData("a1b2c3d4e5", "prod", "*")]
    [InlineData("a1b2c3d4e5", "prod", "1234567890123")]
    public async Task Repair_ForgedApiIdStageOrAccount_RefusedBeforeAnyCall(string apiId, string? stage, string? account)
    {
        _h.BooksApiOnLive();
        var repairer = Composition.Repairer(FunctionOptions.Load(_h.Env("auto")), _h.Env("auto"), TimeProvider.System, credentials: new StaticCredentials())!;
        var finding = PermissionFinding();
        finding = finding with { Key = finding.Key with { ApiId = apiId, Stage = stage ?? finding.Key.Stage }, AccountId = account ?? finding.AccountId };

        var reports = await repairer.RepairAsync(finding, repairer.NewSession(), DateTimeOffset.UtcNow.AddSeconds(30), default);

        var report = reports.ShouldHaveSingleItem();
        report.Result.ShouldBe(RepairResult.Refused);
        report.Plan.ShouldBeNull();
        report.Refusal.ShouldBeOneOf(RefusalReason.NoIntegration, RefusalReason.AccountUnknown);
        _h.ApiGateway.Requests.ShouldBeEmpty();
        _h.Lambda.Requests.ShouldBeEmpty();
    }
}
