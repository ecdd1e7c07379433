using Remediator.Core.Diagnosis;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>
/// Each cause in each input shape it can appear in: one fixture file per case, its expected diagnosis in the
/// <c>.expect</c> beside it (fixtures/causes/&lt;cause&gt;__&lt;shape&gt;[__variant].ext).
/// </summary>
public class CauseFixtureTests
{
    public static TheoryData<string> Cases => Fixtures.WithExpectations("causes");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnose_Fixture_MatchesExpectation(string fixture)
    {
        var expected = Fixtures.Expectations(fixture).ToDictionary(kv => kv.Key, kv => kv.Value);
        var result = Fixtures.Diagnose(fixture);

        if (expected.TryGetValue("requests", out var requests))
        {
            result.Summary.Requests.ShouldBe(long.Parse(requests), "requests");
        }
        if (expected.TryGetValue("failed", out var failed))
        {
            result.Summary.Failed.ShouldBe(long.Parse(failed), "failed");
        }
        if (expected["cause"] == "none")
        {
            result.Findings.ShouldBeEmpty();
            return;
        }
        var finding = result.Findings.ShouldHaveSingleItem();
        finding.Cause.ToName().ShouldBe(expected["cause"]);
        foreach (var (field, value) in expected)
        {
            var actual = field switch
            {
                "status" => finding.Status?.ToString(),
                "reason" => finding.Reason?.ToName(),
                "apiType" => finding.ApiType?.ToName(),
                "logKind" => finding.LogKind.ToName(),
                "apiId" => finding.Key.ApiId,
                "stage" => finding.Key.Stage,
                "method" => finding.Key.HttpMethod,
                "resourcePath" => finding.Key.ResourcePath,
                "routeKey" => finding.Key.RouteKey,
                "functionArn" => finding.Key.FunctionArn,
                "qualifier" => finding.Key.Qualifier,
                "errorType" => finding.ErrorType,
                "errorMessage" => finding.ErrorMessage,
                "requestIds" => finding.RequestIds.Contains(value) ? value : string.Join(",", finding.RequestIds),
                _ => value,
            };
            if (value == "null")
            {
                actual.ShouldBeNull(field);
            }
            else if (field == "errorMessage")
            {
                // The expectation gives the message's first line; the finding may hold all of it.
                actual.ShouldNotBeNull(field);
                actual.ShouldStartWith(value.Split('\n')[0].Trim(), Case.Sensitive, field);
            }
            else
            {
                actual.ShouldBe(value, field);
            }
        }
        finding.Evidence.ShouldNotBeNullOrWhiteSpace();
        finding.Advice.Steps.ShouldNotBeEmpty();
    }

    [Fact]
    public void Fixtures_CoverEveryCauseInSeveralShapes()
    {
        var files = Directory.GetFiles(Path.Combine(Fixtures.Root, "causes"), "*.expect").Select(Path.GetFileName).ToList();
        foreach (var cause in CauseNames.All)
        {
            var shapes = files.Where(f => f!.StartsWith(cause.ToName() + "__", StringComparison.Ordinal)).ToList();
            shapes.Count.ShouldBeGreaterThanOrEqualTo(3, cause.ToName());
        }
    }
}
