using System.Text.Json;
using Remediator.Testing;
using Xunit.Abstractions;

namespace Remediator.Cli.Tests;

/// <summary>The samples' page in headless Chromium: the chart is drawn, nothing is fetched, no error is logged.</summary>
public class BrowserReportTests(ITestOutputHelper output)
{
    [BrowserFact]
    public void Page_Samples_ChartDrawnNoConsoleErrorScreenshotWritten()
    {
        Browser.Missing().ShouldBeNull("the browser test's prerequisites are missing under CI");
        // The incident's samples (the deployed delivery for replay is months apart): one bar a minute.
        var samples = ReportFormatsTests.AllSamples.Where(f => !Path.GetFileName(f).StartsWith("deployed-", StringComparison.Ordinal)).ToArray();
        var page = Path.Combine(AppContext.BaseDirectory, "report.html");
        var (code, _, err) = ReportFormatsTests.Run(["diagnose", "--format", "html", "-o", page, .. samples]);
        code.ShouldBe(0, err);
        using var json = JsonDocument.Parse(ReportFormatsTests.Run(["diagnose", "--format", "json", .. samples]).Out);
        var timeline = json.RootElement.GetProperty("timeline");
        var bucketed = timeline.GetProperty("causes").EnumerateArray().Sum(c => c.GetProperty("total").GetInt64());

        foreach (var (width, height, shot) in new[] { (1100, 1000, "report.png"), (390, 844, "report-phone.png") })
        {
            var screenshot = Path.Combine(AppContext.BaseDirectory, shot);
            File.Delete(screenshot);
            var (exit, stdout, stderr) = Browser.Node("report.spec.mjs", page, screenshot, $"{width}", $"{height}");

            exit.ShouldBe(0, $"{stdout}\n{stderr}");
            using var measured = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
            var m = measured.RootElement;
            m.GetProperty("bars").GetInt32().ShouldBeGreaterThan(0);
            m.GetProperty("drawn").GetInt32().ShouldBe(m.GetProperty("bars").GetInt32());
            m.GetProperty("failures").GetInt64().ShouldBe(bucketed);
            m.GetProperty("legend").GetInt32().ShouldBe(timeline.GetProperty("causes").GetArrayLength());
            m.GetProperty("errors").GetArrayLength().ShouldBe(0);
            m.GetProperty("requests").GetArrayLength().ShouldBe(0);
            new FileInfo(screenshot).Length.ShouldBeGreaterThan(10_000);
            output.WriteLine($"{width}x{height}: {stdout.Trim()} -> {screenshot}");
        }
    }
}
