using System.Globalization;
using System.Text.RegularExpressions;
using Remediator.Core.Diagnosis;
using Remediator.Core.Report;

namespace Remediator.Core.Tests;

public partial class ReportHtmlTests
{
    public static TheoryData<string> SampleSets => ["all", "incident"];

    private static string[] Set(string name) => name == "all" ? ReportInputs.AllSamples : ReportInputs.IncidentSamples;

    [Theory]
    [MemberData(nameof(SampleSets))]
    public void Render_Samples_ChartSeriesSumToFailedRequests(string set)
    {
        var (result, timeline) = ReportInputs.Diagnose(Set(set));

        var html = HtmlReport.Render(result, timeline, Set(set).Select(Path.GetFileName).ToList()!);

        var drawn = BarCount().Matches(html).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        (drawn + timeline.Untimed).ShouldBe(result.Summary.Failed);
        html.ShouldContain($"<dt>Failed requests</dt><dd>{result.Summary.Failed}</dd>");
        html.ShouldContain($"{timeline.Untimed} failed request(s) show no time and are not drawn");
    }

    [Theory]
    [MemberData(nameof(SampleSets))]
    public void Render_Samples_OneLegendEntryPerCause(string set)
    {
        var (result, timeline) = ReportInputs.Diagnose(Set(set));

        var html = HtmlReport.Render(result, timeline, []);

        var legend = LegendEntry().Matches(html).Select(m => m.Groups[1].Value).ToList();
        legend.ShouldBe(timeline.Causes.Select(c => c.Cause.ToName()));
        legend.ShouldBeUnique();
        var barCauses = BarCause().Matches(html).Select(m => m.Groups[1].Value).Distinct();
        barCauses.ShouldBe(legend, ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(SampleSets))]
    public void Render_Samples_SelfContained(string set)
    {
        var (result, timeline) = ReportInputs.Diagnose(Set(set));

        var html = HtmlReport.Render(result, timeline, []);

        html.ShouldNotContain("<script", Case.Insensitive);
        html.ShouldNotContain("<link", Case.Insensitive);
        html.ShouldNotContain("@import", Case.Insensitive);
        html.ShouldNotContain("url(http", Case.Insensitive);
        ExternalReference().Matches(html).ShouldBeEmpty();
        html.ShouldContain("<style>");
        html.ShouldContain("@media print");
        html.ShouldContain("<meta name=\"viewport\"");
        html.ShouldContain("<pre><code>aws lambda add-permission");
        result.Findings.Count.ShouldBe(FindingSection().Matches(html).Count);
    }

    [Fact]
    public void Render_HostileRouteAndError_EscapedEverywhere()
    {
        const string hostile = "/<script>alert(1)</script>\"'&<img src=x onerror=alert(2)>";
        var (result, timeline) = ReportInputs.DiagnoseText(ReportInputs.AccessEntry(new DateTimeOffset(2024, 6, 7, 10, 0, 0, TimeSpan.Zero), hostile) + "\n");
        FindingDisplay.Route(result.Findings.Single()).ShouldContain("<script>"); // the value does reach the page

        var html = HtmlReport.Render(result, timeline, ["<b>input</b>.log"]);

        html.ShouldNotContain("<script", Case.Insensitive);
        html.ShouldNotContain("<img", Case.Insensitive);
        html.ShouldNotContain("<b>");
        html.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;img src=x onerror=alert(2)&gt;");
        html.ShouldContain("&lt;b&gt;input&lt;/b&gt;.log");
    }

    [Fact]
    public void Render_NoFailures_SaysSoWithoutChart()
    {
        var (result, timeline) = ReportInputs.DiagnoseText("{\"apiId\":\"a1b2c3d4e5\",\"stage\":\"prod\",\"requestId\":\"r1\",\"requestTime\":\"07/Jun/2024:10:00:00 +0000\",\"httpMethod\":\"GET\",\"resourcePath\":\"/\",\"status\":\"200\"}\n");

        var html = HtmlReport.Render(result, timeline, ["ok.jsonl"]);

        html.ShouldContain("No 5xx findings.");
        html.ShouldContain("there is no timeline");
        html.ShouldNotContain("<rect");
    }

    [GeneratedRegex("<rect class=\"bar\" data-cause=\"[a-z_]+\" data-count=\"(\\d+)\"")]
    private static partial Regex BarCount();

    [GeneratedRegex("<rect class=\"bar\" data-cause=\"([a-z_]+)\"")]
    private static partial Regex BarCause();

    [GeneratedRegex("<li data-cause=\"([a-z_]+)\">")]
    private static partial Regex LegendEntry();

    [GeneratedRegex("<section class=\"finding\" id=\"finding-\\d+\">")]
    private static partial Regex FindingSection();

    /// <summary>Anything the browser would fetch: a src or href to another host, or a script from a file.</summary>
    [GeneratedRegex("(?:src|href|xlink:href)\\s*=\\s*[\"']?\\s*(?:https?:)?//|<script[^>]*\\bsrc", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
