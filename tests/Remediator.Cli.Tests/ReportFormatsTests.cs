using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Remediator.Cli.Tests;

/// <summary>The page, the text and the JSON of one diagnosis tell the same numbers.</summary>
public partial class ReportFormatsTests
{
    private static readonly string Base = AppContext.BaseDirectory;

    internal static string[] AllSamples => Directory.GetFiles(Path.Combine(Base, "samples")).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = RemediatorCommand.Run(args, new StringReader(""), stdout, stderr, () => new MemoryStream());
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Diagnose_HtmlToFile_WritesThePageAndNothingToStdout()
    {
        var path = Path.Combine(Path.GetTempPath(), $"remediator-report-{Guid.NewGuid():N}.html");
        try
        {
            var (code, output, err) = Run(["diagnose", "--format", "html", "-o", path, .. AllSamples]);

            code.ShouldBe(0, err);
            output.ShouldBeEmpty();
            err.ShouldContain($"remediator: wrote {path}");
            var html = File.ReadAllText(path);
            html.ShouldStartWith("<!DOCTYPE html>");
            html.ShouldContain("subscription-envelope.json"); // the inputs, by name
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Diagnose_OutputInAMissingFolder_ExitsTwoAndSaysWhy()
    {
        var (code, _, err) = Run(["diagnose", "-f", "html", "-o", Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}", "r.html"), AllSamples[0]]);

        code.ShouldBe(2);
        err.ShouldContain("cannot write");
    }

    [Fact]
    public void Diagnose_JsonToTheProcessStandardOutput_SameTextAsThroughAWriter()
    {
        // In a process, the report goes to standard output's bytes as it is written (not through Console.Out).
        var (code, stdout, _) = CliProcess.Run(["diagnose", "--format", "json", .. AllSamples], _ => { });

        code.ShouldBe(0);
        stdout.ShouldBe(Run(["diagnose", "--format", "json", .. AllSamples]).Out);
        stdout.ShouldEndWith("}" + Environment.NewLine);
    }

    [Fact]
    public void Diagnose_Samples_PageTextAndJsonAgreeOnTotals()
    {
        var json = Run(["diagnose", "-f", "json", .. AllSamples]).Out;
        var text = Run(["diagnose", "-f", "text", .. AllSamples]).Out;
        var html = Run(["diagnose", "-f", "html", .. AllSamples]).Out;

        using var doc = JsonDocument.Parse(json);
        var summary = doc.RootElement.GetProperty("summary");
        var failed = summary.GetProperty("failed").GetInt64();
        var requests = summary.GetProperty("requests").GetInt64();
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("count").GetInt64()).ToList();
        var timeline = doc.RootElement.GetProperty("timeline");
        var untimed = timeline.GetProperty("untimed").GetInt64();
        var bucketed = timeline.GetProperty("causes").EnumerateArray().Sum(c => c.GetProperty("total").GetInt64());
        findings.Sum().ShouldBe(failed);
        (bucketed + untimed).ShouldBe(failed);

        // Text: the summary line and the count column.
        text.ShouldContain($"{requests} request(s) read, {failed} failed, {findings.Count} finding(s)");
        var textCounts = text.Split('\n').Skip(1).TakeWhile(l => l.Length > 0).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).ToList();
        textCounts.ShouldBe(findings);

        // Page: the summary, the table's counts, the bars and the legend.
        html.ShouldContain($"<dt>Requests read</dt><dd>{requests}</dd>");
        html.ShouldContain($"<dt>Failed requests</dt><dd>{failed}</dd>");
        TableCount().Matches(html).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ShouldBe(findings);
        BarCount().Matches(html).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ShouldBe(bucketed);
        LegendTotal().Matches(html).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ShouldBe(bucketed);
    }

    [Fact]
    public void Diagnose_TextNotOnATerminal_NoSparkline()
    {
        var (_, output, _) = Run(["diagnose", .. AllSamples]);

        output.ShouldNotContain("▁");
        output.Split('\n')[0].TrimEnd().ShouldEndWith("function");
    }

    [GeneratedRegex("<td class=\"n\">(\\d+)</td>")]
    private static partial Regex TableCount();

    [GeneratedRegex("<rect class=\"bar\" data-cause=\"[a-z_]+\" data-count=\"(\\d+)\"")]
    private static partial Regex BarCount();

    [GeneratedRegex("<li data-cause=\"[a-z_]+\">.*?</code> (\\d+)</li>")]
    private static partial Regex LegendTotal();
}
