using Remediator.Core.Diagnosis;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>Interleaved requests and aggregation: fixtures/mixed, each line of the .expect naming one failed request.</summary>
public class MixedInputTests
{
    public static TheoryData<string> Cases => Fixtures.WithExpectations("mixed");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnose_InterleavedRequests_EachRequestGetsItsOwnCause(string fixture)
    {
        var expected = Fixtures.Expectations(fixture);
        var result = Fixtures.Diagnose(fixture);
        var perRequest = expected.Where(kv => Guid.TryParse(kv.Key, out _)).ToList();

        result.Summary.Failed.ShouldBe(perRequest.Count);
        foreach (var group in perRequest.GroupBy(kv => kv.Value))
        {
            var parts = group.Key.Split(' ');
            var findings = result.Findings.Where(f => f.Cause.ToName() == parts[0] && f.Status == int.Parse(parts[1])).ToList();
            findings.Sum(f => f.Count).ShouldBe(group.Count(), group.Key);
            // Findings keep ten sample ids: every id is among them while there are at most ten, and none is foreign.
            var ids = group.Select(kv => kv.Key).ToList();
            findings.SelectMany(f => f.RequestIds).ShouldAllBe(id => ids.Contains(id));
            if (ids.Count <= Finding.MaxSampleRequestIds)
            {
                findings.SelectMany(f => f.RequestIds).Order().ShouldBe(ids.Order());
            }
        }
        foreach (var (key, value) in expected)
        {
            switch (key)
            {
                case "requests": result.Summary.Requests.ShouldBe(long.Parse(value)); break;
                case "findings": result.Findings.Count.ShouldBe(int.Parse(value)); break;
            }
        }
    }

    [Fact]
    public void Diagnose_SameCauseMany_OneFindingWithCountTimesAndTenSamples()
    {
        var finding = Fixtures.Diagnose("mixed/same-cause-many.log").Findings.ShouldHaveSingleItem();

        finding.Count.ShouldBe(12);
        finding.RequestIds.Count.ShouldBe(Finding.MaxSampleRequestIds);
        finding.Key.ResourcePath.ShouldBe("/books/{id}"); // the template, although each line shows /books/<n>
        finding.FirstSeen.ShouldBeNull(); // plain CloudWatch lines carry no time: none is made up
    }

    [Fact]
    public void Diagnose_InterleavedInReverseOrder_SameDiagnosis()
    {
        // Logs Insights exports newest first: a request's status line then comes before the line that says why.
        var lines = File.ReadAllLines(Fixtures.PathOf("mixed/interleaved.log")).Reverse();
        var forward = Fixtures.Diagnose("mixed/interleaved.log");

        var reversed = Fixtures.DiagnoseText(string.Join('\n', lines));

        Causes(reversed).ShouldBe(Causes(forward));
        reversed.Summary.ShouldBe(forward.Summary);
    }

    [Fact]
    public void Diagnose_FindingId_IsStableAcrossRunsAndDiffersByKey()
    {
        var first = Fixtures.Diagnose("mixed/interleaved.log").Findings.Select(f => f.Id).ToList();
        var second = Fixtures.Diagnose("mixed/interleaved.log").Findings.Select(f => f.Id).ToList();

        second.ShouldBe(first);
        first.Distinct().Count().ShouldBe(first.Count);
        first.ShouldAllBe(id => id.Length == 16);
    }

    private static List<string> Causes(DiagnosisResult r) =>
        r.Findings.SelectMany(f => f.RequestIds.Select(id => $"{id}:{f.Cause.ToName()}:{f.Status}")).Order().ToList();
}
