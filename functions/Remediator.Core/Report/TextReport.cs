using System.Globalization;
using System.Text;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Report;

/// <summary>The terminal rendering: a table of findings by count, then each finding with its evidence and fix.</summary>
public static class TextReport
{
    /// <param name="timeline">On a terminal: each finding row ends with a sparkline of its failures over the window.
    /// Left out elsewhere, so that redirected output stays plain and stable for the scripts that read it.</param>
    public static string Render(DiagnosisResult result, bool colour, Timeline? timeline = null)
    {
        var c = colour ? TextStyle.Ansi : TextStyle.Plain;
        var sb = new StringBuilder();
        if (result.Findings.Count == 0)
        {
            sb.AppendLine(NoFindings(result, c));
            return sb.ToString();
        }
        var spark = timeline is { BucketCount: > 0, BucketSeconds: not null } ? timeline : null;
        var rows = result.Findings.Select((f, i) => (string[])
        [
            .. Cells(f, i),
            .. spark is null ? [] : (string[])[Sparkline.Of(spark.Findings[i])],
        ]).ToList();
        string[] header = [.. Header, .. spark is null ? [] : (string[])[SparkHeader(spark)]];
        var widths = header.Select((h, col) => Math.Min(col == 6 ? 90 : 60, rows.Max(r => r[col].Length) is var m && m > h.Length ? m : h.Length)).ToArray();
        sb.AppendLine(c.Bold(Row(header, widths)));
        foreach (var row in rows)
        {
            sb.AppendLine(Row(row, widths));
        }
        sb.AppendLine();
        sb.AppendLine(FindingDisplay.Summary(result.Summary));
        sb.Append(Details(result, c));
        return sb.ToString();
    }

    /// <summary>The table's column names; a rendering that draws its own table uses them too.</summary>
    public static IReadOnlyList<string> Header { get; } = ["#", "count", "status", "cause", "api/stage", "route", "function"];

    /// <summary>The cells of finding <paramref name="i"/>'s row, in the order of <see cref="Header"/>.</summary>
    public static string[] Cells(Finding f, int i) =>
    [
        (i + 1).ToString(CultureInfo.InvariantCulture), f.Count.ToString(CultureInfo.InvariantCulture), FindingDisplay.Status(f),
        f.Cause.ToName(), FindingDisplay.Api(f), FindingDisplay.Route(f), FindingDisplay.Function(f),
    ];

    public static string SparkHeader(Timeline t) => $"per {Timeline.Describe(t.BucketSeconds!.Value)}";

    public static string NoFindings(DiagnosisResult result, TextStyle c) => c.Green("No 5xx findings.") + " " + c.Text(FindingDisplay.Summary(result.Summary));

    /// <summary>Each finding with its evidence and fix, marked up by <paramref name="c"/>.</summary>
    public static string Details(DiagnosisResult result, TextStyle c)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < result.Findings.Count; i++)
        {
            var f = result.Findings[i];
            sb.AppendLine();
            sb.AppendLine(c.Red($"[{i + 1}] {f.Cause.ToName()}") + c.Bold($"  {FindingDisplay.Status(f)} x{f.Count}  {FindingDisplay.Route(f)}  {FindingDisplay.Api(f)}"));
            sb.AppendLine($"    {c.Text(f.Advice.Summary)}");
            Field(sb, c, "function", FindingDisplay.Function(f) is "-" ? null : FindingDisplay.Function(f));
            Field(sb, c, "error", f.ErrorType is null ? f.ErrorMessage : f.ErrorMessage is null ? f.ErrorType : $"{f.ErrorType}: {f.ErrorMessage}");
            Field(sb, c, "response", f.ResponseProblem);
            Field(sb, c, "latency", f.IntegrationLatencyMs is { } l ? $"{l} ms" : null);
            Field(sb, c, "seen", FindingDisplay.Seen(f));
            Field(sb, c, "requests", f.RequestIds.Count == 0 ? null : string.Join(", ", f.RequestIds) + (f.Count > f.RequestIds.Count ? $" (+{f.Count - f.RequestIds.Count} more)" : ""));
            Field(sb, c, "evidence", f.Evidence);
            Field(sb, c, "why", f.Note);
            sb.AppendLine($"    {c.Bold("fix")} {c.Text($"({f.Advice.Effort}, {f.Advice.Risk} risk):")}");
            foreach (var step in f.Advice.Steps)
            {
                sb.AppendLine($"      - {c.Text(step)}");
            }
            foreach (var cmd in f.Advice.Commands)
            {
                sb.AppendLine($"      {c.Dim(cmd.Label + ":")}");
                sb.AppendLine($"        {c.Cyan(cmd.Text)}");
            }
            Field(sb, c, "log group", f.Advice.LogGroup);
            Field(sb, c, "insights", f.Advice.LogsInsightsQuery);
            Field(sb, c, "console", f.Advice.ConsoleUrl);
        }
        return sb.ToString();
    }

    private static void Field(StringBuilder sb, TextStyle c, string name, string? value)
    {
        if (value is not null)
        {
            sb.AppendLine($"    {c.Dim((name + ":").PadRight(10))} {c.Text(value.ReplaceLineEndings(" | "))}");
        }
    }

    private static string Row(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((cell, i) => (cell.Length > widths[i] ? cell[..(widths[i] - 1)] + "…" : cell).PadRight(widths[i]))).TrimEnd();
}

/// <summary>
/// How the text report marks emphasis: not at all, with ANSI codes, or in a console library's markup. Every piece of
/// text goes through <see cref="Escape"/>, so that a log value is never read as markup.
/// </summary>
/// <param name="Wrap">Marks escaped text with a style: "bold", "dim", "bold red", "green" or "cyan".</param>
public sealed record TextStyle(Func<string, string> Escape, Func<string, string, string> Wrap)
{
    public static TextStyle Plain { get; } = new(s => s, (_, s) => s);

    /// <summary>ANSI SGR codes, for a terminal.</summary>
    public static TextStyle Ansi { get; } = new(s => s, (style, s) => $"\u001b[{style switch
    {
        "bold" => "1",
        "dim" => "2",
        "bold red" => "1;31",
        "green" => "32",
        _ => "36",
    }}m{s}\u001b[0m");

    public string Text(string s) => Escape(s);
    public string Bold(string s) => Wrap("bold", Escape(s));
    public string Dim(string s) => Wrap("dim", Escape(s));
    public string Red(string s) => Wrap("bold red", Escape(s));
    public string Green(string s) => Wrap("green", Escape(s));
    public string Cyan(string s) => Wrap("cyan", Escape(s));
}
