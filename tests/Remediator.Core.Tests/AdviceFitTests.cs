using System.Text.RegularExpressions;
using Remediator.Core.Advice;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Tests;

/// <summary>Advice that fits the API it is about: no function timeout at or above the integration timeout, no HTTP API step on a REST API.</summary>
public class AdviceFitTests
{
    public static TheoryData<Cause, ApiType> Cases
    {
        get
        {
            var data = new TheoryData<Cause, ApiType>();
            foreach (var cause in CauseNames.All)
            {
                data.Add(cause, ApiType.Rest);
                data.Add(cause, ApiType.Http);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Advice_ForTheApiType_NoTimeoutAtOrAboveTheIntegrationTimeoutAndNoStepsOfTheOtherType(Cause cause, ApiType type)
    {
        var key = new FindingKey(cause, "a1b2c3d4e5", "prod", "GET", "/books/{id}", null, "arn:aws:lambda:us-east-1:123456789012:function:books-api", null);
        var facts = new FindingFacts(type, LogKind.Execution, null, null, null, null, "123456789012", "us-east-1", null, []);

        var advice = AdviceBook.For(key, facts);

        var limit = type == ApiType.Rest ? 29 : 30;
        foreach (var text in advice.Steps.Concat(advice.Commands.Select(c => c.Text)))
        {
            foreach (Match m in Regex.Matches(text, @"--timeout (\d+)|Duration\.Seconds\((\d+)\)"))
            {
                int.Parse(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture).ShouldBeLessThan(limit, text);
            }
            if (type == ApiType.Rest)
            {
                text.ShouldNotContain("HTTP API", Case.Sensitive, text);
            }
        }
    }
}
