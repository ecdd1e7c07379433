using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Remediator.Cli.Tests;

/// <summary>
/// Where the browser test finds its tools: playwright-core in the repository's node_modules (npm ci) and Debian's
/// Chromium (.ci/run installs both). Missing on a developer's machine, the test is skipped and says what to install;
/// under CI it runs and fails, so that a CI machine without them cannot pass by skipping.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public static string RepositoryRoot { get; } = FindRoot();

    public BrowserFactAttribute()
    {
        if (Missing() is { } missing && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Skip = $"needs {missing} (run 'npm ci' and 'apt-get install -y chromium', as .ci/run does; under CI=true this test fails instead)";
        }
    }

    public static string? Missing() =>
        !Directory.Exists(Path.Combine(RepositoryRoot, "node_modules", "playwright-core")) ? "node_modules/playwright-core"
        : !File.Exists(Chromium) ? Chromium
        : null;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Remediator.sln")))
            {
                return dir.FullName;
            }
        }
        return AppContext.BaseDirectory;
    }
}

/// <summary>The samples' page in headless Chromium: the chart is drawn, nothing is fetched, no error is logged.</summary>
public class BrowserReportTests(ITestOutputHelper output)
{
    [BrowserFact]
    public void Page_Samples_ChartDrawnNoConsoleErrorScreenshotWritten()
    {
        BrowserFactAttribute.Missing().ShouldBeNull("the browser test's prerequisites are missing under CI");
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
            var (exit, stdout, stderr) = Node(page, screenshot, width, height);

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

    private static (int Code, string Stdout, string Stderr) Node(string page, string screenshot, int width, int height)
    {
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = BrowserFactAttribute.RepositoryRoot };
        foreach (var a in new[] { Path.Combine("tests", "browser", "report.spec.mjs"), page, screenshot, $"{width}", $"{height}" })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // A guard against a hung browser only, generous for a machine with both cores busy: no check depends on time.
        if (!p.WaitForExit(600_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("node tests/browser/report.spec.mjs did not finish");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
