using Remediator.Core.Diagnosis;

namespace Remediator.Core.Tests;

/// <summary>One source of truth: the subscription filter forwards every line the classifier decides on.</summary>
public class SubscriptionFilterTermsTests
{
    public static TheoryData<string> Forwarded => [.. DecisivePhrases.Forwarded.Where(p => p != "Method completed with status: ")];

    [Theory]
    [MemberData(nameof(Forwarded))]
    public void Pattern_EveryDecisivePhrase_ContainsATerm(string phrase)
    {
        SubscriptionFilterTerms.Terms.ShouldContain(t => phrase.Contains(t, StringComparison.Ordinal), phrase);
    }

    [Fact]
    public void Pattern_FitsCloudWatchLimitAndQuotesEveryTerm()
    {
        var pattern = SubscriptionFilterTerms.Pattern;

        pattern.Length.ShouldBeLessThanOrEqualTo(SubscriptionFilterTerms.MaxPatternLength);
        SubscriptionFilterTerms.Terms.ShouldAllBe(t => !t.Contains('"'));
        pattern.Split(" ?\"").Length.ShouldBe(SubscriptionFilterTerms.Terms.Count);
    }

    [Fact]
    public void Pattern_EveryFailureFixture_HasAForwardedLineThatStillGivesTheCause()
    {
        // Keep only the lines the filter would forward: the diagnosis must still find each cause (status may go).
        foreach (var file in Directory.GetFiles(Path.Combine(Support.Fixtures.Root, "causes"), "*__execution.log"))
        {
            var cause = Path.GetFileName(file).Split("__")[0];
            if (cause is "unknown" or "none")
            {
                continue;
            }
            var forwarded = File.ReadAllLines(file).Where(l => SubscriptionFilterTerms.Terms.Any(t => l.Contains(t, StringComparison.Ordinal)));

            var result = Support.Fixtures.DiagnoseText(string.Join('\n', forwarded));

            result.Findings.Select(f => f.Cause.ToName()).ShouldContain(cause, file);
        }
    }
}
