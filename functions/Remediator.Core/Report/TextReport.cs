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
        var c = new Palette(colour);
        var sb = new StringBuilder();
        if (result.Findings.Count == 0)
        {
            sb.AppendLine(c.Green("No 5xx findings.") + " " + FindingDisplay.Summary(result.Summary));
            return sb.ToString();
        }
        var spark = timeline is { BucketCount: > 0, BucketSeconds: not null } ? timeline : null;
        var rows = result.Findings.Select((f, i) => (string[])
        [
            (i + 1).ToString(CultureInfo.InvariantCulture), f.Count.ToString(CultureInfo.InvariantCulture), FindingDisplay.Status(f),
            f.Cause.ToName(), FindingDisplay.Api(f), FindingDisplay.Route(f), FindingDisplay.Function(f),
            .. spark is null ? [] : (string[])[Sparkline.Of(spark.Findings[i].Counts)],
        ]).ToList();
        string[] header = ["#", "count", "status", "cause", "api/stage", "route", "function",
            .. spark is null ? [] : (string[])[$"per {Timeline.Describe(spark.BucketSeconds!.Value)}"]];
        var widths = header.Select((h, col) => Math.Min(col == 6 ? 90 : 60, rows.Max(r => r[col].Length) is var m && m > h.Length ? m : h.Length)).ToArray();
        sb.AppendLine(c.Bold(Row(header, widths)));
        foreach (var row in rows)
        {
            sb.AppendLine(Row(row, widths));
        }
        sb.AppendLine();
        sb.AppendLine(FindingDisplay.Summary(result.Summary));
        for (var i = 0; i < result.Findings.Count; i++)
        {
            var f = result.Findings[i];
            sb.AppendLine();
            sb.AppendLine(c.Red($"[{i + 1}] {f.Cause.ToName()}") + c.Bold($"  {FindingDisplay.Status(f)} x{f.Count}  {FindingDisplay.Route(f)}  {FindingDisplay.Api(f)}"));
            sb.AppendLine($"    {f.Advice.Summary}");
            Field(sb, c, "function", FindingDisplay.Function(f) is "-" ? null : FindingDisplay.Function(f));
            Field(sb, c, "error", f.ErrorType is null ? f.ErrorMessage : f.ErrorMessage is null ? f.ErrorType : $"{f.ErrorType}: {f.ErrorMessage}");
            Field(sb, c, "response", f.ResponseProblem);
            Field(sb, c, "latency", f.IntegrationLatencyMs is { } l ? $"{l} ms" : null);
            Field(sb, c, "seen", FindingDisplay.Seen(f));
            Field(sb, c, "requests", f.RequestIds.Count == 0 ? null : string.Join(", ", f.RequestIds) + (f.Count > f.RequestIds.Count ? $" (+{f.Count - f.RequestIds.Count} more)" : ""));
            Field(sb, c, "evidence", f.Evidence);
            Field(sb, c, "why", f.Note);
            sb.AppendLine($"    {c.Bold("fix")} ({f.Advice.Effort}, {f.Advice.Risk} risk):");
            foreach (var step in f.Advice.Steps)
            {
                sb.AppendLine($"      - {step}");
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

    private static void Field(StringBuilder sb, Palette c, string name, string? value)
    {
        if (value is not null)
        {
            sb.AppendLine($"    {c.Dim((name + ":").PadRight(10))} {value.ReplaceLineEndings(" | ")}");
        }
    }

    private static string Row(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((cell, i) => (cell.Length > widths[i] ? cell[..(widths[i] - 1)] + "…" : cell).PadRight(widths[i]))).TrimEnd();

    /// <summary>ANSI colours, only when writing to a terminal.</summary>
    private readonly record struct Palette(bool On)
    {
        private string Wrap(string code, string s) => On ? $"\u001b[{code}m{s}\u001b[0m" : s;
        public string Bold(string s) => Wrap("1", s);
        public string Dim(string s) => Wrap("2", s);
        public string Red(string s) => Wrap("1;31", s);
        public string Green(string s) => Wrap("32", s);
        public string Cyan(string s) => Wrap("36", s);
    }
}
