using Remediator.Core.Diagnosis;
using Remediator.Core.Report;
using Spectre.Console;

namespace Remediator.Cli;

/// <summary>
/// The text report on a terminal, drawn by Spectre.Console: the findings table with a sparkline of each finding's
/// failures over the window, then each finding's evidence and fix. Colour follows <c>--no-color</c> and
/// <c>NO_COLOR</c>; output that is not a terminal never comes here (it stays the plain <see cref="TextReport"/>).
/// </summary>
public static class TerminalReport
{
    /// <summary>Spectre markup: every value from a log is escaped, so that '[' in a route is never read as a style.</summary>
    public static TextStyle Markup { get; } = new(Spectre.Console.Markup.Escape, (style, s) => $"[{style}]{s}[/]");

    /// <summary>Characters of a sparkline: enough to see a start, a peak and an end, narrow enough for an 80-column terminal.</summary>
    public const int SparkWidth = 16;

    public static void Write(DiagnosisResult result, Timeline timeline, bool colour, TextWriter stdout) =>
        Write(AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colour ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(stdout),
        }), result, timeline);

    public static void Write(IAnsiConsole console, DiagnosisResult result, Timeline timeline)
    {
        if (result.Findings.Count == 0)
        {
            console.MarkupLine(TextReport.NoFindings(result, Markup));
            return;
        }
        var table = new Table().Border(TableBorder.Simple);
        foreach (var name in TextReport.Header)
        {
            table.AddColumn(new TableColumn(new Text(name, new Style(decoration: Decoration.Bold))) 
            {
                Alignment = name == "count" ? Justify.Right : Justify.Left,
                // The function ARN and the route may wrap; a cause name cut in two would be misread.
                NoWrap = name is "#" or "count" or "status" or "cause",
            });
        }
        var spark = timeline.BucketCount > 0;
        if (spark)
        {
            table.AddColumn(new TableColumn(new Text(TextReport.SparkHeader(timeline), new Style(decoration: Decoration.Bold))) { NoWrap = true });
        }
        for (var i = 0; i < result.Findings.Count; i++)
        {
            var cells = TextReport.Cells(result.Findings[i], i).Select((cell, col) => (Spectre.Console.Rendering.IRenderable)new Text(cell,
                col == 3 ? new Style(Color.Red, decoration: Decoration.Bold) : Style.Plain)).ToList();
            if (spark)
            {
                cells.Add(new Text(Sparkline.Of(timeline.Findings[i], SparkWidth), new Style(Color.Aqua)));
            }
            table.AddRow(cells);
        }
        console.Write(table);
        console.WriteLine(FindingDisplay.Summary(result.Summary));
        console.Markup(TextReport.Details(result, Markup));
    }
}
