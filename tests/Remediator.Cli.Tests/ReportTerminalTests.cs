using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Report;
using Spectre.Console;

namespace Remediator.Cli.Tests;

/// <summary>The text report as a terminal shows it (Spectre.Console), rendered into a string.</summary>
public class ReportTerminalTests
{
    private static (DiagnosisResult, Timeline) Diagnose(params string[] inputs)
    {
        var recorder = new TimelineRecorder();
        var builder = new DiagnosisBuilder { FailureObserved = recorder.Add };
        foreach (var record in inputs.SelectMany(text => InputReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), LogContext.For("test"))))
        {
            builder.Add(record);
        }
        var result = builder.Build();
        return (result, recorder.Build(result));
    }

    private static string Entry(int second, string path = "/books/{id}") =>
        "{\"apiId\":\"a1b2c3d4e5\",\"stage\":\"prod\",\"requestId\":\"r" + second + "\",\"requestTime\":\"07/Jun/2024:10:00:" + second.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)
        + " +0000\",\"httpMethod\":\"GET\",\"resourcePath\":\"" + path + "\",\"status\":\"502\",\"integrationErrorMessage\":\"Lambda Customer Function Error:boom [bold]x[/]\"}\n";

    private static string Render(DiagnosisResult result, Timeline timeline, bool colour)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 160;
        TerminalReport.Write(console, result, timeline);
        return writer.ToString();
    }

    [Fact]
    public void Write_FailuresOverTime_RowHasSparklineOfItsFailures()
    {
        var (result, timeline) = Diagnose(Entry(0) + Entry(1) + Entry(1) + Entry(9));

        var output = Render(result, timeline, colour: false);

        output.ShouldContain("per 1 s");
        output.ShouldContain("▅█▁▁▁▁▁▁▁▅"); // one at :00, two at :01, none until one at :09
        output.ShouldContain("function_error");
        output.ShouldContain(FindingDisplay.Summary(result.Summary));
        output.ShouldNotContain("\u001b[");
    }

    [Fact]
    public void Write_Colour_AnsiFromSpectre()
    {
        var (result, timeline) = Diagnose(Entry(0));

        Render(result, timeline, colour: true).ShouldContain("\u001b[");
    }

    [Fact]
    public void Write_MarkupInALogValue_PrintedAsWritten()
    {
        var (result, timeline) = Diagnose(Entry(0, "/[red]books[/]"));

        var output = Render(result, timeline, colour: true);

        output.ShouldContain("/[red]books[/]");
        output.ShouldContain("boom [bold]x[/]");
    }

    [Fact]
    public void Write_NoFindings_SaysSo()
    {
        var (result, timeline) = Diagnose("{\"apiId\":\"a1b2c3d4e5\",\"stage\":\"prod\",\"requestId\":\"ok\",\"requestTime\":\"07/Jun/2024:10:00:00 +0000\",\"httpMethod\":\"GET\",\"resourcePath\":\"/\",\"status\":\"200\"}\n");

        Render(result, timeline, colour: false).ShouldContain("No 5xx findings.");
    }

    [Fact]
    public void Write_FindingWithoutTimeBesideOnesWith_SaysSoInsteadOfAFlatLine()
    {
        var samples = new[] { "execution-export.log", "subscription-envelope.json" }.Select(n => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", n)));
        var (result, timeline) = Diagnose([.. samples]);

        var output = Render(result, timeline, colour: false);

        timeline.Untimed.ShouldBeGreaterThan(0);
        output.ShouldContain("(no time)");
        output.ShouldContain("█");
    }

    [Fact]
    public void TextReport_WithTimeline_PlainSparklineColumn()
    {
        var (result, timeline) = Diagnose(Entry(0) + Entry(5));

        var text = TextReport.Render(result, colour: false, timeline);

        text.Split('\n')[0].TrimEnd().ShouldEndWith("per 1 s");
        text.ShouldContain("█▁▁▁▁█");
        TextReport.Render(result, colour: false).ShouldNotContain("█");
    }
}
